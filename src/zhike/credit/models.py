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
