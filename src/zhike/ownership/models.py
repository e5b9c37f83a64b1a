"""The public pool (公海) and what ownership keeps beside ``Customer.owner``.

The history of every change of owner is ``archive.OwnershipChange`` (archive owns the
field); this app's services are the only code that changes an owner after registration.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pool(models.Model):
    """公海 — a pool of customers without an owner. Its departments (and those below)
    are its members and the source of the customers released into it; a pool with no
    department is the company's. Admins distribute its customers and receive the open
    to-dos of customers released into it."""

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("适用部门"), blank=True, related_name="pools"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("其他成员"), blank=True, related_name="+"
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("管理员"), blank=True, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("公海")
        verbose_name_plural = _("公海")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PoolEntry(models.Model):
    """A customer in a pool: since when, from whom and why. The row exists while the
    customer has no owner; a claim or an assignment removes it. An unowned customer
    without a row (an import without owner, data from before pools) is in the default
    pool since it was created."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="pool_entry"
    )
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="entries")
    since = models.DateTimeField(_("进入公海"))
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("原负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # The new-to-pool embargo (Cordys): nobody may claim it before this moment.
    claimable_from = models.DateTimeField(_("可领取时间"))

    class Meta:
        verbose_name = _("公海客户")
        verbose_name_plural = _("公海客户")
        indexes = [models.Index(fields=["pool", "-since"], name="pool_entry_since")]
        permissions = [
            ("claim_customer", _("可领取公海客户")),
            ("assign_customer", _("可分配、转移和收回客户")),
            ("lock_customer", _("可锁定客户")),
        ]

    def __str__(self) -> str:
        return f"{self.pool_id}: {self.customer_id}"


class Lock(models.Model):
    """锁定 — a customer its owner keeps regardless of the lapse rules (a key account under
    negotiation), with the reason; caps per person come from the policy."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="lock"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    at = models.DateTimeField(_("锁定时间"))

    class Meta:
        verbose_name = _("锁定客户")
        verbose_name_plural = _("锁定客户")

    def __str__(self) -> str:
        return f"{self.customer_id}"


class Quota(models.Model):
    """One row per person that claims or is given customers: the row is locked (SELECT …
    FOR UPDATE) while the caps are checked, so one person's parallel claims are counted
    one after the other and a cap of 5 gives exactly 5."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user_id}"


class DutyStatus(models.TextChoices):
    FREE = "free", _("空闲")
    BUSY = "busy", _("接待中")
    ABSENT = "absent", _("不在")


class Duty(models.Model):
    """当日值班 (OWN-5, s003-5) — one person's place in a department's reception order for
    one day: their position, whether they are free, and how many walk-ins they took. The
    next visitor goes to the free person who took fewest, then by position, so one who was
    skipped (busy or away) keeps their turn for when they are free again."""

    department = models.ForeignKey("org.Department", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DutyStatus.choices, default=DutyStatus.FREE
    )
    taken = models.PositiveIntegerField(_("已接待"), default=0)

    class Meta:
        verbose_name = _("接待值班")
        verbose_name_plural = _("接待值班")
        ordering = ["department", "day", "position"]
        constraints = [
            models.UniqueConstraint(fields=["department", "day", "user"], name="duty_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=DutyStatus.values), name="duty_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.position}: {self.user_id}"


class WalkinReason(models.TextChoices):
    ROTATION = "rotation", _("按轮值顺序")
    ASKED = "asked", _("客户指定")
    RETURNING = "returning", _("老客户归原负责人")


class Walkin(models.Model):
    """来访登记 — one visitor at the front desk: who received them and why."""

    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("来访时间"))
    visitor = models.CharField(_("来访人"), max_length=100)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    customer = models.ForeignKey(
        "archive.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接待人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("分配原因"), max_length=10, choices=WalkinReason.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("来访登记")
        verbose_name_plural = _("来访登记")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["department", "-at"], name="walkin_department_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.visitor}"


class Reservation(models.Model):
    """定金锁定 (OWN-7, s000 销售部 5: 两个或以上客户欲购买同一套房源,以先交定金或房款者为
    先) — a single item (a unit, a vehicle) reserved by the first recorded deposit. One row
    per item: the database refuses the second, however close the two are."""

    item = models.CharField(_("房源/车辆编号"), max_length=60, unique=True)
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="reservations"
    )
    deposit = models.DecimalField(_("定金"), max_digits=14, decimal_places=2)
    at = models.DateTimeField(_("交定金时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("定金锁定")
        verbose_name_plural = _("定金锁定")
        constraints = [
            models.CheckConstraint(condition=models.Q(deposit__gt=0), name="reservation_deposit")
        ]

    def __str__(self) -> str:
        return self.item


class Referral(models.Model):
    """介绍 (OWN-6, s000 销售部 6: 老客户介绍的新客户必须由老客户亲自带来或在行政秘书处先行
    登记,否则一律按新客户处理) — the referred customer counts as referred by ``referrer``
    because it was registered before its first visit, or brought in person."""

    referred = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="referral"
    )
    referrer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="referred_customers"
    )
    in_person = models.BooleanField(_("亲自带来"), default=False)
    at = models.DateTimeField(_("登记时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("客户介绍")
        verbose_name_plural = _("客户介绍")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(referred=models.F("referrer")), name="referral_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"


class ReferralPoints(models.Model):
    """积分 — one award to a referrer: per referred attendee of an event, or per sales unit
    of a referred customer's order. The unique keys make the award job idempotent."""

    referrer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="referral_points"
    )
    referred = models.ForeignKey("archive.Customer", on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(_("积分"))
    event = models.CharField(_("活动"), max_length=100, blank=True)
    order = models.OneToOneField(
        "trade.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("介绍积分")
        verbose_name_plural = _("介绍积分")
        indexes = [models.Index(fields=["referrer", "-at"], name="referral_points_referrer")]
        constraints = [
            models.UniqueConstraint(
                fields=["referred", "event"],
                condition=models.Q(order__isnull=True),
                name="referral_attendance_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id}: {self.points}"
