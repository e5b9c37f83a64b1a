"""Trade ledger (交易台账): what grades, quotas and credit are computed from (GRD-2…5).

Contracts/orders with product lines, invoices (the receivables they create, with due
dates) and payments. Lines and invoices carry their customer and date themselves so that
the review's set-based aggregates read one table each, without joins (see
:mod:`zhike.trade.metrics`).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def money(verbose_name: Any = None, **options: Any) -> "models.DecimalField[Any, Any]":
    """Yuan with fen: up to 99,999,999,999,999.99."""
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **options)


class Order(models.Model):
    """合同/订单 — a contract or order signed with the customer (s004 协议, s000 批发)."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    signed_on = models.DateField(_("签订日期"))
    amount = money(_("合同金额"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # OWN-2 (s000 销售部 2, 4): whose performance and commission the deal is — the owner
    # who holds the confirmation right (the customer's, or its relatives' group's), even
    # when another salesperson closed it; the reason says why it is not the closer.
    credited_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("业绩归属"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    credit_reason = models.CharField(_("归属原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["customer", "-signed_on"], name="order_customer_date")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """合同明细 — one product of a contract: quantity with its unit (吨 for the wholesale
    market), list price (牌价) and contract price; the premium is measured against the
    list price (s004 协议溢价)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Copied from the order: the review aggregates lines per customer and period directly.
    customer = models.ForeignKey("archive.Customer", on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField(_("签订日期"))
    product = models.CharField(_("产品"), max_length=100)
    category = models.CharField(_("品种"), max_length=50)
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=10)
    list_price = money(_("牌价"), null=True, blank=True)
    price = money(_("合同单价"))
    amount = money(_("金额"))

    class Meta:
        verbose_name = _("合同明细")
        verbose_name_plural = _("合同明细")
        indexes = [models.Index(fields=["customer", "signed_on"], name="orderline_customer_date")]

    def __str__(self) -> str:
        return f"{self.product} {self.quantity}{self.unit}"


class Invoice(models.Model):
    """发票/发货应收 — an amount the customer owes (a shipment or invoice) and the day it is
    due. Payments settle invoices oldest first; ``paid_on`` is the day one was settled in
    full, which decides whether it was paid on time."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    number = models.CharField(_("单据编号"), max_length=40, unique=True)
    issued_on = models.DateField(_("开票/发货日期"))
    due_on = models.DateField(_("应收日期"))
    amount = money(_("金额"))
    paid_amount = money(_("已收金额"), default=0)
    paid_on = models.DateField(_("结清日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("应收单据")
        verbose_name_plural = _("应收单据")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["customer", "issued_on"], name="invoice_customer_issued"),
            models.Index(
                fields=["customer", "due_on"],
                name="invoice_open",
                condition=models.Q(paid_on__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("issued_on")), name="invoice_due_after"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="invoice_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """回款 — money received from the customer."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("到账日期"))
    amount = money(_("金额"))
    reference = models.CharField(_("凭证号"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回款")
        verbose_name_plural = _("回款")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["customer", "received_on"], name="payment_customer_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount}"
