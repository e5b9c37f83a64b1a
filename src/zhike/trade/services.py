"""Writes to the trade ledger: contracts with lines, invoices, payments."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.relatives import group_owner
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.errors import Conflict, PermissionDenied
from zhike.org.models import User
from zhike.policy.schema import Policy

from .errors import TradeError
from .models import Invoice, Order, OrderLine, Payment
from .trading import Document, check_document, check_may_trade, payment_days_for

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LineInput:
    product: str
    category: str
    quantity: Decimal
    unit: str
    price: Decimal
    list_price: Decimal | None = None


def _customer_for_update(by: User, customer_id: int, *, permission: str) -> Customer:
    if not by.has_perm(permission):
        raise PermissionDenied(_("您没有录入该类台账的权限"))
    access_customer(by, customer_id)  # scope check: same error for missing and hidden
    return Customer.objects.select_for_update().get(pk=customer_id)


def credit_for(customer: Customer, *, closer: User) -> tuple[User, str]:
    """OWN-2: who is credited with a deal, and why when it is not the closer. The owner
    of the customer holds the confirmation right while it is theirs (a lapsed customer
    has no owner: the closer is credited); a direct relative of another's customer is
    that owner's (ARC-8, s000 销售部 3)."""
    holder = group_owner(customer.pk)
    if holder is None or holder.pk == closer.pk or not holder.is_active:
        return closer, ""
    if holder.pk == customer.owner_id:
        return holder, _("客户确认期内由他人成交,业绩和佣金归有确认权的业务员")
    return holder, _("成交客户是其直系亲属的客户,视为同一客户")


@transaction.atomic
def order_create(
    *,
    by: User,
    customer_id: int,
    number: str,
    signed_on: date,
    lines: list[LineInput],
    policy: Policy,
    note: str = "",
) -> Order:
    """Record a contract with its lines; refused for a customer who may not trade."""
    customer = _customer_for_update(by, customer_id, permission="trade.add_order")
    check_may_trade(customer, policy)
    if not lines:
        raise TradeError(_("合同至少要有一行明细"), field="lines")
    taken = Conflict(_("合同编号 %(number)s 已存在") % {"number": number}, field="number")
    if Order.objects.filter(number=number).exists():
        raise taken
    rows = []
    for index, line in enumerate(lines, start=1):
        if line.quantity <= 0 or line.price < 0:
            raise TradeError(
                _("第 %(n)d 行:数量必须大于 0,单价不能为负") % {"n": index}, field="lines"
            )
        rows.append(
            OrderLine(
                customer=customer,
                signed_on=signed_on,
                product=line.product,
                category=line.category,
                quantity=line.quantity,
                unit=line.unit,
                list_price=line.list_price,
                price=line.price,
                amount=(line.quantity * line.price).quantize(CENT),
            )
        )
    amount = sum((r.amount for r in rows), Decimal(0))
    check_document(Document("order", customer, number, amount, signed_on), policy)
    credited_to, credit_reason = credit_for(customer, closer=by)
    with unique_or(taken):  # the same number entered for two customers at once
        order = Order.objects.create(
            customer=customer,
            number=number,
            signed_on=signed_on,
            amount=amount,
            note=note,
            created_by=by,
            credited_to=credited_to,
            credit_reason=credit_reason,
        )
    for row in rows:
        row.order = order
    OrderLine.objects.bulk_create(rows)
    details = {"number": number, "amount": order.amount, "credited_to": credited_to.pk}
    record(customer, "trade.order", by=by, details=details)
    return order


@transaction.atomic
def invoice_create(
    *,
    by: User,
    customer_id: int,
    number: str,
    issued_on: date,
    amount: Decimal,
    policy: Policy,
    due_on: date | None = None,
    payment_days: int | None = None,
    order_id: int | None = None,
    credit_checked: bool = False,
) -> Invoice:
    """Record a receivable: what the customer owes and by when (``due_on``, or
    ``payment_days`` after issue, or else the customer's payment terms). The document
    guards check it first unless ``credit_checked``: the credit check was made on the
    shipment it is the invoice of (zhike.credit)."""
    customer = _customer_for_update(by, customer_id, permission="trade.add_invoice")
    if amount <= 0:
        raise TradeError(_("金额必须大于 0"), field="amount")
    if due_on is None and payment_days is None:
        payment_days = payment_days_for(customer.pk, issued_on, policy)
    due = due_on or issued_on + timedelta(days=payment_days or 0)
    if due < issued_on:
        raise TradeError(_("应收日期不能早于开票日期"), field="due_on")
    taken = Conflict(_("单据编号 %(number)s 已存在") % {"number": number}, field="number")
    if Invoice.objects.filter(number=number).exists():
        raise taken
    if order_id is not None and not Order.objects.filter(pk=order_id, customer=customer).exists():
        raise TradeError(_("合同不属于该客户"), field="order_id")
    if not credit_checked:
        check_document(Document("invoice", customer, number, amount, issued_on), policy)
    with unique_or(taken):
        invoice = Invoice.objects.create(
            customer=customer,
            order_id=order_id,
            number=number,
            issued_on=issued_on,
            due_on=due,
            amount=amount,
        )
    # Money received in advance settles the new invoice at once.
    _settle(customer, on=issued_on)
    record(customer, "trade.invoice", by=by, details={"number": number, "amount": amount})
    return invoice


@transaction.atomic
def payment_record(
    *, by: User, customer_id: int, received_on: date, amount: Decimal, reference: str = ""
) -> Payment:
    """Record money received; it settles the customer's open invoices oldest first."""
    customer = _customer_for_update(by, customer_id, permission="trade.add_payment")
    if amount <= 0:
        raise TradeError(_("金额必须大于 0"), field="amount")
    payment = Payment.objects.create(
        customer=customer,
        received_on=received_on,
        amount=amount,
        reference=reference,
        created_by=by,
    )
    _settle(customer, on=received_on)
    record(customer, "trade.payment", by=by, details={"amount": amount, "reference": reference})
    return payment


def _settle(customer: Customer, *, on: date) -> None:
    """Allocate the customer's unallocated money to open invoices, oldest due first.

    Runs under the customer's row lock (taken by the caller), so two payments never
    allocate the same money twice.
    """
    paid = Payment.objects.filter(customer=customer).aggregate(s=Sum("amount"))["s"] or 0
    allocated = Invoice.objects.filter(customer=customer).aggregate(s=Sum("paid_amount"))["s"] or 0
    available = Decimal(paid) - Decimal(allocated)
    if available <= 0:
        return
    for invoice in Invoice.objects.filter(customer=customer, paid_on__isnull=True).order_by(
        "due_on", "id"
    ):
        if available <= 0:
            break
        take = min(available, invoice.amount - invoice.paid_amount)
        available -= take
        settled = invoice.paid_amount + take == invoice.amount
        Invoice.objects.filter(pk=invoice.pk).update(
            paid_amount=F("paid_amount") + take, paid_on=on if settled else None
        )


def move_ledger(keep: Customer, duplicate: Customer) -> None:
    """Merge hook (ARC-7): the duplicate's contracts, lines, invoices and payments belong
    to the customer kept."""
    Order.objects.filter(customer=duplicate).update(customer=keep)
    OrderLine.objects.filter(customer=duplicate).update(customer=keep)
    Invoice.objects.filter(customer=duplicate).update(customer=keep)
    Payment.objects.filter(customer=duplicate).update(customer=keep)
