"""Credit (CRD-1…CRD-3): the shipment (发货单) the credit check guards, and the record of
each limit a customer was checked against."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhike.trade.models import money


class ShipmentState(models.TextChoices):
    PENDING = "pending", _("待签发")
    SHIPPED = "shipped", _("已发货")
    INVOICED = "invoiced", _("已开票")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    """How the check let the shipment go (s003-12 2.1, 2.2.1–2.2.3, 1.4.1)."""

    WITHIN = "within", _("授信额内")
    FIRST_OVER = "first_over", _("首次超授信额(区域经理签发)")
    LAST_OVER = "last_over", _("末次超授信额(责任人承担)")
    PREPAID = "prepaid", _("先汇款后发货")


class Shipment(models.Model):
    """发货单 — goods leaving for a customer on credit; its amount is exposure until it is
    invoiced (the invoice is then the receivable)."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="shipments"
    )
    order = models.ForeignKey(
        "trade.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    number = models.CharField(_("发货单号"), max_length=40, unique=True)
    shipped_on = models.DateField(_("发货日期"))
    amount = money(_("金额"))
    state = models.CharField(_("状态"), max_length=20, choices=ShipmentState.choices)
    outcome = models.CharField(_("授信结果"), max_length=20, choices=Outcome.choices)
    reason = models.CharField(_("说明"), max_length=300)
    limit = money(_("授信额"))
    exposure = money(_("已占用"))
    liable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repayment_plan = models.CharField(_("回款计划"), max_length=300, blank=True)
    invoice = models.OneToOneField(
        "trade.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="shipment"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    policy_version = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        indexes = [
            # Exposure: what is shipped (or reserved) and not yet invoiced.
            models.Index(
                fields=["customer"],
                condition=Q(invoice__isnull=True) & ~Q(state="cancelled"),
                name="shipment_uninvoiced",
            ),
            models.Index(fields=["customer", "shipped_on"], name="shipment_customer_date"),
            models.Index(fields=["order"], name="shipment_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="shipment_positive"),
            models.CheckConstraint(
                condition=~Q(outcome="last_over") | Q(liable__isnull=False),
                name="shipment_last_over_names_liable",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RiskKind(models.TextChoices):
    REFUSAL = "refusal", _("客户拒付")
    LIKELY = "likely", _("可能拒付(逾期未回款)")


class RiskSignal(models.Model):
    """风险信号 (CRD-7, s004): a payment refusal recorded, or one inferred from the ledger
    by the policy's rule. While the customer's signal is open, no credit shipment goes."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="risk_signals"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=RiskKind.choices)
    note = models.CharField(_("说明"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clear_reason = models.CharField(_("解除原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("风险信号")
        verbose_name_plural = _("风险信号")
        constraints = [
            # One open signal per customer: a second report adds nothing; the race of two
            # reports (or a report and the sweep) ends in one row.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(cleared_at__isnull=True),
                name="risk_signal_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class BadDebt(models.Model):
    """坏账 (CRD-6, s003-12 3): an invoice's loss, who bears what share and why — by the
    policy's ratio within the limit, wholly the liable person's for the month's last
    over-limit shipment (3.3)."""

    invoice = models.OneToOneField(
        "trade.Invoice", on_delete=models.PROTECT, related_name="bad_debt"
    )
    amount = money(_("坏账金额"))
    shares = models.JSONField(
        _("承担"), default=list
    )  # [{"user": id, "role": code, "amount": "…"}]
    basis = models.CharField(_("依据"), max_length=200)
    reason = models.CharField(_("说明"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("坏账")
        verbose_name_plural = _("坏账")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bad_debt_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount}"


class CreditReview(models.Model):
    """客户信用升(降)级评审 (CRD-5, s004): the semi-annual review of the customers given
    credit — each one's proposed rating from the ledger, the reviewer's adjustments with
    reasons, approved, then applied and told to the offices and finance."""

    class State(models.TextChoices):
        COMPUTING = "computing", _("计算中")
        PROPOSED = "proposed", _("待审核")
        SUBMITTED = "submitted", _("审批中")
        APPLIED = "applied", _("已生效")
        REJECTED = "rejected", _("已驳回")
        FAILED = "failed", _("计算失败")

    title = models.CharField(_("名称"), max_length=100)
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.PROPOSED
    )
    policy_version = models.CharField(_("制度版本"), max_length=50)
    summary = models.JSONField(default=dict)  # {"up": n, "down": n, "same": n, "new": n}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField()
    computed_at = models.DateTimeField(null=True, blank=True)  # claimed by the job
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("信用评审")
        verbose_name_plural = _("信用评审")
        ordering = ["-id"]
        permissions = [("run_credit_review", _("可发起和调整信用评审"))]
        constraints = [
            # One review open at a time: two started at once cannot both be open.
            models.UniqueConstraint(
                models.Value(1),
                condition=Q(state__in=["computing", "proposed", "submitted"]),
                name="credit_review_one_open",
            ),
            # One review per period: the scheduled job and a person cannot both open it.
            models.UniqueConstraint(
                fields=["period_end"],
                condition=~Q(state__in=["rejected", "failed"]),
                name="credit_review_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CreditReviewLine(models.Model):
    """One customer of a credit review: the figures of the period, the rating they give,
    the reviewer's adjustment and why."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    review = models.ForeignKey(CreditReview, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey("archive.Customer", on_delete=models.CASCADE, related_name="+")
    invoices_due = models.IntegerField(default=0)
    on_time_ratio = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    overdue_count = models.IntegerField(default=0)
    receivables = money(_("应收余额"), default=0)
    days_overdue = models.IntegerField(default=0)  # the oldest open invoice, at the period's end
    previous = models.CharField(_("原等级"), max_length=10, default="")
    proposed = models.CharField(_("建议等级"), max_length=10)
    adjusted = models.CharField(_("调整等级"), max_length=10, default="")
    comment = models.CharField(_("调整理由"), max_length=200, default="")
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("信用评审明细")
        verbose_name_plural = _("信用评审明细")
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="credit_review_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.customer_id}"

    @property
    def final(self) -> str:
        return self.adjusted or self.proposed


class CreditRating(models.Model):
    """客户信用等级 now: what the last applied review gave the customer; the limit in force
    is its level's share of the formula."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="credit_rating"
    )
    rating = models.CharField(_("信用等级"), max_length=10)
    review = models.ForeignKey(CreditReview, on_delete=models.SET_NULL, null=True, related_name="+")
    policy_version = models.CharField(max_length=50, default="")
    since = models.DateTimeField()

    class Meta:
        verbose_name = _("客户信用等级")
        verbose_name_plural = _("客户信用等级")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.rating}"


class SpecialTerms(models.Model):
    """超过信用范围的特殊协议 (issue 16 item 3, s004: 主管副总经理负责审批超过信用范围旳
    特殊协议): a limit above the formula's for one customer until a day, asked for with a
    reason and in force once approved ([approvals.credit_terms])."""

    class State(models.TextChoices):
        PENDING = "pending", _("审批中")
        APPROVED = "approved", _("已生效")
        REJECTED = "rejected", _("已驳回")

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="special_terms"
    )
    # A limit above the formula's, a longer payment term (s003-12 1.4.2 超三十天款期客户
    # 根据销售部审批具体情况具体授信), or both.
    limit = money(_("特批授信额"), null=True, blank=True)
    payment_days = models.PositiveSmallIntegerField(_("款期(天)"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"))
    reason = models.CharField(_("理由"), max_length=300)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    policy_version = models.CharField(max_length=50)

    class Meta:
        verbose_name = _("特殊信用协议")
        verbose_name_plural = _("特殊信用协议")
        indexes = [
            models.Index(fields=["customer", "state", "-valid_until"], name="terms_in_force")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="terms_limit_positive"),
            models.CheckConstraint(
                condition=Q(limit__isnull=False) | Q(payment_days__gt=0), name="terms_ask_something"
            ),
            # One request waiting per customer: a second is refused, not queued.
            models.UniqueConstraint(
                fields=["customer"], condition=Q(state="pending"), name="terms_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.limit} → {self.valid_until}"


class Attestation(models.Model):
    """授信资格证明 (CRD-1, s003-12 1.1): a person's word, with evidence, for an eligibility
    item the data cannot fully show — the 开户人身份证复印件 seen, the contract's 结算协议
    signed. One per customer and item; a new one replaces it (the audit log keeps both)."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="credit_attestations"
    )
    requirement = models.CharField(_("授信条件"), max_length=30)
    evidence = models.CharField(_("证明"), max_length=300, blank=True)
    file = models.FileField(_("附件"), upload_to="credit/evidence/%Y/%m/", blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("授信资格证明")
        verbose_name_plural = _("授信资格证明")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "requirement"], name="attestation_once_per_item"
            ),
            models.CheckConstraint(
                condition=~Q(evidence="") | ~Q(file=""), name="attestation_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.requirement}"


class UnapprovedShipment(models.Model):
    """未经审批的超授信额发货 (CRD-6, s003-12 3.2 and 4.2): goods that left over the limit
    without prepayment or approval — a hand-written invoice, or none (开手工票或不开票
    发货) — as finance found it (经查实), with the people who bear that batch's money."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="unapproved_shipments"
    )
    invoice = models.OneToOneField(
        "trade.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unapproved_shipment",
    )
    shipped_on = models.DateField(_("发货日期"))
    amount = money(_("本批次货款"))
    note = models.CharField(_("查实情况"), max_length=300)
    liable = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("承担人"), related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("未经审批的超授信额发货")
        verbose_name_plural = _("未经审批的超授信额发货")
        indexes = [models.Index(fields=["customer", "shipped_on"], name="unapproved_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="unapproved_positive")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.shipped_on} {self.amount}"
