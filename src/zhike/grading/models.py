"""Customer grading (客户分级): review runs, current standing, change history, manual
assessments (GRD-1…GRD-6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhike.deferred import DeferredTitle
from zhike.trade.models import money


class Review(DeferredTitle):
    """客户分级评审 — one review: every customer's proposed grade and tier with reasons,
    adjusted by reviewers, approved, then applied at once (GRD-6). The filed review is kept
    (s000: 评审结果报送营销事业部统一备案) with the policy it was computed by (POL-3)."""

    class State(models.TextChoices):
        COMPUTING = "computing", _("计算中")
        PROPOSED = "proposed", _("待审核")
        SUBMITTED = "submitted", _("审批中")
        APPLIED = "applied", _("已生效")
        REJECTED = "rejected", _("已驳回")
        FAILED = "failed", _("计算失败")

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("定期评审")
        ON_DEMAND = "on_demand", _("临时评审")

    title = models.CharField(_("名称"), max_length=100)
    trigger = models.CharField(_("方式"), max_length=20, choices=Trigger.choices)
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.COMPUTING
    )
    policy_version = models.CharField(_("制度版本"), max_length=40)
    # The whole policy the review was computed by: its reasons stay explainable after the
    # company changes its policy.
    policy = models.JSONField(default=dict)
    summary = models.JSONField(_("汇总"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("分级评审")
        verbose_name_plural = _("分级评审")
        ordering = ["-id"]
        permissions = [("run_review", _("可发起和调整分级评审"))]
        constraints = [
            # At most one review open at a time (GRD-6): a unique index on a constant over
            # the open rows, so two reviews started at once cannot both be open.
            models.UniqueConstraint(
                models.Value(1),
                condition=models.Q(state__in=["computing", "proposed", "submitted"]),
                name="review_one_open",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title


class ReviewLine(models.Model):
    """评审明细 — one customer in a review: the figures, each indicator's points, the
    proposal, the reviewer's adjustment, and the change from the current standing."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    # A review writes a million lines in one statement, from the customer table and the
    # review row it has just read, and every read goes through the review. So no index
    # beyond the unique (review, customer) one, and no database-level foreign keys: their
    # deferred checks cost ~10 s per review at a million lines, for ids that cannot be
    # wrong. Django still cascades a deletion (customers are merged, never deleted).
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="lines", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    # Figures (zhike.trade.metrics).
    contract_amount = money(default=0)
    volume = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    price_premium = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    order_count = models.IntegerField(default=0)
    collected_amount = money(default=0)
    invoices_due = models.IntegerField(default=0)
    on_time_ratio = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    overdue_count = models.IntegerField(default=0)
    receivables = money(default=0)
    first_order_on = models.DateField(null=True)
    # NULL: no trade in the period (the LEFT JOIN of the figures), unlike a blank category.
    main_category = models.CharField(max_length=50, null=True)  # noqa: DJ001
    # Standing before the review.
    previous_grade = models.CharField(max_length=10, default="")
    previous_tier = models.CharField(max_length=30, default="")
    previous_size_class = models.CharField(max_length=30, default="")
    previous_behaviour = models.CharField(max_length=30, default="")
    # Proposal.
    score = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    points = models.JSONField(null=True)
    grade = models.CharField(_("建议等级"), max_length=10, default="")
    # Why the grade is the lowest whatever the score (GRD-3): no_trade / not_evaluated / new.
    grade_note = models.CharField(max_length=20, default="")
    tier = models.CharField(_("建议级别"), max_length=30, default="")
    # The highest level whose criteria the customer met but whose quota was full (GRD-4).
    tier_missed = models.CharField(max_length=30, default="")
    tier_missed_quota = models.CharField(max_length=10, default="")  # "all" or "category"
    tier_rank = models.IntegerField(null=True)
    size_class = models.CharField(max_length=30, default="")
    behaviour = models.CharField(max_length=30, default="")
    # Reviewer's adjustment (GRD-6).
    adjusted_grade = models.CharField(_("调整等级"), max_length=10, default="")
    adjusted_tier = models.CharField(_("调整级别"), max_length=30, default="")
    adjust_comment = models.CharField(_("调整理由"), max_length=200, default="")
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        db_index=False,
    )  # fmt: skip

    class Meta:
        verbose_name = _("评审明细")
        verbose_name_plural = _("评审明细")
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="reviewline_once")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.customer_id}"

    @property
    def final_grade(self) -> str:
        return self.adjusted_grade or self.grade

    @property
    def final_tier(self) -> str:
        return self.adjusted_tier or self.tier


class Standing(models.Model):
    """客户当前等级 — the customer's grade, tier and size class now, as the last review or
    event left them; other modules read it (and sort by it) instead of recomputing."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="standing"
    )
    grade = models.CharField(_("等级"), max_length=10, default="")
    tier = models.CharField(_("级别"), max_length=30, default="")
    size_class = models.CharField(_("客户类别"), max_length=30, default="")
    behaviour = models.CharField(_("购买行为"), max_length=30, default="")
    review = models.ForeignKey(Review, on_delete=models.SET_NULL, null=True, related_name="+")
    policy_version = models.CharField(max_length=40, default="")
    since = models.DateTimeField()
    # The treatment matrix's priority (GRD-10): 1 is served first — shipping, production,
    # complaint queues sort by it. NULL: no cell applies.
    priority = models.PositiveSmallIntegerField(_("优先级"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户当前等级")
        verbose_name_plural = _("客户当前等级")
        indexes = [
            models.Index(fields=["grade"], name="standing_grade"),
            models.Index(fields=["tier"], name="standing_tier"),
            models.Index(fields=["priority"], name="standing_priority"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade}/{self.tier}"


class GradeChange(models.Model):
    """等级变动记录 — one change of a customer's grade, tier or size class, and why:
    a review, an event downgrade (GRD-7), the blacklist (GRD-8) or an approved exception."""

    class Source(models.TextChoices):
        REVIEW = "review", _("评审")
        EVENT = "event", _("事件降级")
        BLACKLIST = "blacklist", _("黑名单")
        MANUAL = "manual", _("审批调整")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="grade_changes"
    )
    axis = models.CharField(max_length=20)  # grade / tier / size_class / behaviour
    old = models.CharField(max_length=30, default="")
    new = models.CharField(max_length=30)
    source = models.CharField(max_length=20, choices=Source.choices)
    review = models.ForeignKey(Review, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=200, default="")
    policy_version = models.CharField(max_length=40, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("等级变动记录")
        verbose_name_plural = _("等级变动记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="gradechange_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.axis}: {self.old} → {self.new}"


class Assessment(models.Model):
    """人工评定 — what a person rates rather than the ledger shows: a scored manual
    indicator (s004 战略影响, rated by 业务部经理以上) or an attestation a tier requires
    (GRD-5, e.g. a long-term lease). The latest rating per key counts."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="assessments"
    )
    key = models.CharField(max_length=30)
    value = models.CharField(max_length=30)
    note = models.CharField(_("依据"), max_length=200, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("人工评定")
        verbose_name_plural = _("人工评定")
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="assessment_once")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.key}={self.value}"


class Problem(models.Model):
    """客户问题记录 — a problem with a customer in a review period (s000 五 3(3): poor
    contract execution, late fees, an operating crisis). On a customer of the policy's
    protected levels it opens a deadline to downgrade within 5 days (GRD-7)."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="problems"
    )
    kind = models.CharField(_("问题类型"), max_length=30)
    description = models.TextField(_("情况说明"))
    severe = models.BooleanField(_("造成重大损失或声誉损害"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    # Set when the problem put the customer under review (its level was protected).
    deadline = models.ForeignKey(
        "workflow.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(_("处理结果"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("客户问题记录")
        verbose_name_plural = _("客户问题记录")
        ordering = ["-at"]
        indexes = [models.Index(fields=["customer", "-at"], name="problem_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class BlacklistEntry(models.Model):
    """客户黑名单 — one entry of a customer on the blacklist (GRD-8, s000 五 3(5)): proposed,
    verified, approved; valid for the policy's months (shortenable); after expiry the
    customer returns only by approval, at the lowest level."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待核实")
        SUBMITTED = "submitted", _("审批中")
        ACTIVE = "active", _("生效中")
        REJECTED = "rejected", _("未列入")
        EXPIRED = "expired", _("已到期")
        READMITTING = "readmitting", _("重新准入审批中")
        READMITTED = "readmitted", _("已重新准入")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="blacklist_entries"
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.PROPOSED
    )
    reason = models.TextField(_("列入理由"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    verification = models.TextField(_("核实意见"), blank=True)
    valid_months = models.PositiveSmallIntegerField(_("有效期(月)"), default=6)
    starts_on = models.DateField(_("生效日"), null=True, blank=True)
    ends_on = models.DateField(_("到期日"), null=True, blank=True)
    arrears = money(_("列入时欠款"), default=0)
    previous_status = models.CharField(max_length=20, default="")
    readmit_reason = models.TextField(_("重新准入理由"), blank=True)

    class Meta:
        verbose_name = _("黑名单")
        verbose_name_plural = _("黑名单")
        ordering = ["-proposed_at"]
        indexes = [
            models.Index(fields=["state", "ends_on"], name="blacklist_state_ends"),
            models.Index(fields=["customer", "-proposed_at"], name="blacklist_customer"),
        ]
        constraints = [
            # One open entry per customer: proposals racing each other leave one.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state__in=["proposed", "submitted", "active"]),
                name="blacklist_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.state}"


class AdmissionCheck(models.Model):
    """准入审核 — one item of the admission checklist for a customer (GRD-9, s000 五 1):
    passed or not, the evidence (a note or an attachment) and who checked it."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="admission_checks"
    )
    key = models.CharField(max_length=30)
    passed = models.BooleanField(_("符合"))
    evidence = models.CharField(_("依据"), max_length=300, blank=True)
    attachment = models.FileField(_("附件"), upload_to="admission/%Y/%m/", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("准入审核")
        verbose_name_plural = _("准入审核")
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="admission_once")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.key}: {self.passed}"


class OrderPromotion(models.Model):
    """A类订单申请 — a B/C customer's order with a high price and good payment given A
    treatment (production priority) by approval (GRD-11, s003-8 7.3: 可向销售部长以上申请
    成为a类订单,享受a级客户的生产待遇). The customer's own grade does not change."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    order = models.ForeignKey("trade.Order", on_delete=models.CASCADE, related_name="promotions")
    to_grade = models.CharField(_("享受等级"), max_length=10)
    reason = models.TextField(_("申请理由"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    policy_version = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("A类订单申请")
        verbose_name_plural = _("A类订单申请")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=~models.Q(state="rejected"), name="promotion_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.to_grade}"
