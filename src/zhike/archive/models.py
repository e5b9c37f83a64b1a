"""Customer archive (客户档案). A first model, just enough to prove data scoping; the
archive issue extends it with the information groups of ARC-3."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerStatus(models.TextChoices):
    """Lifecycle status (ARC-5)."""

    POTENTIAL = "potential", _("潜在客户")
    INTENT = "intent", _("意向客户")
    DEAL = "deal", _("成交客户")
    LOST = "lost", _("流失客户")
    WIN_BACK = "win_back", _("挽回中")
    BLACKLISTED = "blacklisted", _("黑名单")


class CustomerType(models.TextChoices):
    """Customer types (ARC-1; s003-11 special customers, s000 internal departments)."""

    ENTERPRISE = "enterprise", _("企业客户")
    INDIVIDUAL = "individual", _("个人客户")
    CHANNEL = "channel", _("渠道伙伴")
    SPECIAL = "special", _("特殊客户(律师、银行、保险、广告等)")
    INTERNAL = "internal", _("内部部门")


class SourceChannel(models.TextChoices):
    """How the customer was found (ARC-4, s001 二(二)1)."""

    MARKET_RESEARCH = "market_research", _("市场调研")
    VISIT = "visit", _("客户拜访")
    NEGOTIATION = "negotiation", _("业务洽谈")
    EXHIBITION = "exhibition", _("展会活动")
    WEBSITE = "website", _("官网注册")
    SOCIAL_MEDIA = "social_media", _("社交媒体")
    REFERRAL = "referral", _("客户推荐")
    OTHER = "other", _("其他")


class CompanySize(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class Tag(models.Model):
    """标签 — a free label on customers (ARC-3 characteristics)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


LIVE = models.Q(merged_into__isnull=True)
# The ownership clock (OWN-1): the later of the last qualifying contact and the start of
# the current ownership — a customer just claimed from the pool is not already overdue.
CONTACT_CLOCK = Greatest(Coalesce("last_contact_at", "owned_since"), "owned_since")


class Customer(models.Model):
    """客户 — one customer record of the archive, owned by one salesperson (ARC-1, ORG-2)."""

    # Data scope fields (see zhike.org.scopes.visible_to).
    scope_owner_field = "owner"
    scope_department_field = "department"

    code = models.CharField(_("客户编码"), max_length=32, unique=True, editable=False)
    name = models.CharField(_("客户名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.POTENTIAL
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    customer_type = models.CharField(
        _("客户类型"), max_length=20, choices=CustomerType.choices, default=CustomerType.ENTERPRISE
    )
    source = models.CharField(
        _("客户来源"), max_length=20, choices=SourceChannel.choices, blank=True
    )
    referrer_name = models.CharField(_("推荐人"), max_length=100, blank=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("推荐客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        db_index=False,  # a partial index below: few customers are referred
    )
    industry = models.CharField(_("行业"), max_length=50, blank=True)
    size = models.CharField(_("规模"), max_length=10, choices=CompanySize.choices, blank=True)
    province = models.CharField(_("省"), max_length=20, blank=True)
    city = models.CharField(_("市"), max_length=20, blank=True)
    district = models.CharField(_("区县"), max_length=20, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # Resident ID numbers are stored encrypted, with a keyed hash for exact lookup: a raw
    # read of the table does not reveal them (SEC-5).
    id_number_cipher = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    # ENG-6: the last qualifying contact (the policy says which follow-ups qualify) and the
    # next one planned; engagement's services keep both through archive.services.
    last_contact_at = models.DateTimeField(_("最近联系"), null=True, blank=True)
    next_contact_at = models.DateTimeField(_("下次联系"), null=True, blank=True)
    # OWN-1: since when the current owner holds the customer (registration, claim or
    # transfer; written with its OwnershipChange row). The ownership clock runs from the
    # later of this and the last qualifying contact (CONTACT_CLOCK), never from updated_at.
    owned_since = models.DateTimeField(_("归属起始"), null=True, blank=True, editable=False)
    # Set when this record was merged into another (ARC-7): it stays as a tombstone so its
    # code is never reused and its history is kept; lists and lookups skip it.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        editable=False,
        db_index=False,  # a partial index below: only tombstones have it
    )
    # Pinyin, initials and phones, then the Chinese names, of the customer and its contacts
    # (archive.search).
    search_text = models.TextField(default="", blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Bumped by every update: lets clients detect lost updates and tests check consistency.
    version = models.PositiveIntegerField(_("版本"), default=1)
    # When the data-quality sweep last told the owner this record was stale (ARC-6).
    stale_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the lapse sweep last told the owner this customer is about to go back to the
    # pool (OWN-1): a warning later than the clock is this spell's, so it is given once.
    lapse_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        permissions = [
            ("view_customer_phone", _("可查看完整电话号码")),
            ("run_data_quality_sweep", _("可立即执行资料更新检查")),
        ]
        indexes = [
            # Each scope's first page is an index range scan, newest first.
            # Partial: lists never show merged-away tombstones, and the list's capped count
            # then runs on the index alone (measured 35 ms → see bench/README.md).
            models.Index(fields=["owner", "-id"], name="customer_owner_id", condition=LIVE),
            models.Index(fields=["department", "-id"], name="customer_dept_id", condition=LIVE),
            models.Index(fields=["status", "-id"], name="customer_status_id", condition=LIVE),
            # A salesperson's list filtered by status (a seq scan of 38 ms at 1M without).
            models.Index(
                fields=["owner", "status", "-id"], name="customer_owner_status", condition=LIVE
            ),
            models.Index(fields=["updated_at"], name="customer_updated"),
            # Partial: a change of owner is never a HOT update, so it writes an entry in
            # every index whose condition the row meets; these two hold only the few rows
            # that have the value (a lookup by value implies it is not NULL).
            models.Index(
                fields=["merged_into"],
                name="customer_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
            models.Index(
                fields=["referred_by"],
                name="customer_referred_by",
                condition=models.Q(referred_by__isnull=False),
            ),
            # The lapse sweep (OWN-1) reads each owner's customers by their clock, and "my
            # customers about to lapse" is the same range: a scan of those due, not of the
            # owner's 300,000 (bench/ownership_sweep.py).
            models.Index(
                models.F("owner"),
                CONTACT_CLOCK,
                name="customer_contact_clock",
                condition=LIVE & models.Q(owner__isnull=False),
            ),
            # An import matches each batch's rows to existing customers by name and phone
            # (IMP-1): a scan of a million rows per 2,000-row batch without it (620 ms).
            models.Index(fields=["name"], name="customer_name"),
            models.Index(
                fields=["id_number_hash"],
                name="customer_id_hash",
                condition=~models.Q(id_number_hash=""),
            ),
        ]
        constraints = [
            # Pattern operators: the same unique index answers a search by the USCC's start
            # (uscc LIKE '913302%'); equality is among its operators.
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~models.Q(uscc=""),
                name="customer_uscc_unique",
                opclasses=["varchar_pattern_ops"],
            ),
            # Choices are the database's rule too: an empty status once slipped through the
            # API, broke every page showing the customer and passed the lifecycle check.
            models.CheckConstraint(
                condition=models.Q(status__in=CustomerStatus.values), name="customer_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(customer_type__in=CustomerType.values),
                name="customer_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["", *SourceChannel.values]),
                name="customer_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size__in=["", *CompanySize.values]), name="customer_size_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class CustomerTally(models.Model):
    """客户数量 — live customers per (owner, department), kept by database triggers
    (archive.tallies): a scope's exact total without counting its rows."""

    # Read through the user's data scope like the customers (org.scopes).
    scope_owner_field = "owner_key"
    scope_department_field = "department_key"

    owner_key = models.BigIntegerField()  # the owner's id, 0 for the public pool
    department_key = models.BigIntegerField()  # the department's id, 0 for none
    live = models.BigIntegerField(default=0)
    # Which of the pair's rows (archive.tallies.SLOTS): parallel writers count in their own.
    slot = models.SmallIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_key", "department_key", "slot"], name="tally_slot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_key}/{self.department_key}/{self.slot}: {self.live}"


class CodeSequence(models.Model):
    """编码序列 — the last number issued per code prefix; codes are never reused (ARC-2)."""

    key = models.CharField(max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("编码序列")
        verbose_name_plural = _("编码序列")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class Contact(models.Model):
    """联系人 / 关键人物 — a person at the customer, with a profile from the policy's
    template (ARC-3; s003 42-field personal profile)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    is_key_person = models.BooleanField(_("关键人物"), default=False)
    profile = models.JSONField(_("个人档案"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_key_person", "id"]

    def __str__(self) -> str:
        return self.name


class Export(models.Model):
    """导出任务 — a customer list exported to xlsx in a job (IMP-2); the file is the
    requester's alone."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    filters = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """导入任务 — one uploaded customer file: its dry run, then its commit (IMP-1)."""

    class State(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("已检查")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports"
    )
    filename = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CHECKING)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker last showed it is alive: set as it starts (the batches beat in the
    # cache); a running job beating no more lost its worker (import_jobs.sweep_import_jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    has_file = models.BooleanField(default=True)  # the upload is still on disk

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return self.filename


class RelationKind(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")


class Relation(models.Model):
    """直系亲属 — ``relative`` is the customer's spouse, parent or child (ARC-8, s000 销售部 3):
    a relatives group counts as one customer for ownership and attribution."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("关系"), max_length=10, choices=RelationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("直系亲属")
        verbose_name_plural = _("直系亲属")
        constraints = [
            models.UniqueConstraint(fields=["customer", "relative"], name="relation_once"),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("relative")), name="relation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["relative"], name="relation_relative")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.relative_id}"


class SavedView(models.Model):
    """常用筛选 — a customer list filter a user keeps under a name (the list's saved views)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class OwnershipKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    CLAIMED = "claimed", _("领取")
    RELEASED = "released", _("退回公海")
    LAPSED = "lapsed", _("超期收回")
    ASSIGNED = "assigned", _("分配")
    TRANSFERRED = "transferred", _("转移")
    LOCKED = "locked", _("锁定")
    UNLOCKED = "unlocked", _("解锁")
    MERGED = "merged", _("合并")


class AppendOnly(models.QuerySet["OwnershipChange"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("ownership history is append-only")

    def delete(self) -> NoReturn:
        raise TypeError("ownership history is append-only")


class OwnershipChange(models.Model):
    """归属记录 (OWN-8) — one append-only row per registration, claim, release, lapse,
    assignment, transfer and lock: who held it before and after, who did it (empty: a rule
    did), when and why. Cooldowns, embargoes and days owned are read from here, never from
    ``updated_at``. Archive owns ``Customer.owner``; the ownership app writes most rows."""

    # A record the administrator deletes (a mistaken entry; the product merges instead)
    # takes its ownership history with it, as its follow-ups and contacts go.
    # customer, from_user and to_user lead the indexes below, which serve their lookups
    # (and a delete's): an index of their own would be written on every row for nothing
    # (an import writes one row per customer).
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="ownership_changes", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=12, choices=OwnershipKind.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("原负责人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("新负责人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    rule = models.CharField(_("规则"), max_length=60, blank=True)  # e.g. ownership.lapse_days
    pool = models.CharField(_("公海"), max_length=30, blank=True)  # the pool's code
    policy_version = models.CharField(max_length=50, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("归属记录")
        verbose_name_plural = _("归属记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="ownership_customer"),
            # A previous owner's cooldown: their last loss of this customer.
            models.Index(fields=["from_user", "customer", "-at"], name="ownership_from"),
            # Claims per day per person.
            models.Index(fields=["to_user", "kind", "-at"], name="ownership_to_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OwnershipKind.values), name="ownership_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.from_user_id}→{self.to_user_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("ownership history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("ownership history is append-only")
