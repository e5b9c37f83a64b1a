"""Unapproved over-limit shipments (CRD-6, s003-12 3.2, 4.2): goods that left without the
check — a hand-written invoice or none (开手工票或不开票发货) — are found by finance
(经查实) and recorded with the people who bear that batch's money; each is told. Where
shipments are the check point, every invoice recorded in the ledger without a shipment
is a candidate to look into."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.errors import Conflict
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice
from zhike.workflow.notify import notify_people

from .errors import CreditError, PermissionDenied
from .models import UnapprovedShipment

FINANCE = "trade.add_invoice"


def candidates(user: User, *, start: date, end: date, policy: Policy) -> QuerySet[Invoice]:
    """Invoices of the period that no shipment accounts for and nobody has looked into,
    where the shipment is the check point (elsewhere the invoice itself was checked)."""
    if not policy.credit.enabled or policy.credit.check_at != "shipment":
        return Invoice.objects.none()
    return (
        visible_to(user, Invoice.objects.all())
        .filter(
            issued_on__gte=start,
            issued_on__lte=end,
            shipment__isnull=True,
            unapproved_shipment__isnull=True,
        )
        .select_related("customer")
        .order_by("-issued_on", "-id")
    )


@transaction.atomic
def unapproved_record(
    *,
    by: User,
    customer_id: int,
    shipped_on: date,
    amount: Decimal | None,
    note: str,
    liable_ids: list[int],
    policy: Policy,
    now: datetime,
    invoice_id: int | None = None,
) -> UnapprovedShipment:
    """Record what finance found; ``amount`` defaults to the invoice's."""
    if not by.has_perm(FINANCE):
        raise PermissionDenied(_("只有财务可以登记未经审批的超授信额发货"))
    customer = access_customer(by, customer_id)
    errors = []
    invoice = None
    if invoice_id is not None:
        invoice = Invoice.objects.filter(pk=invoice_id, customer=customer).first()
        if invoice is None:
            errors.append(("invoice_id", _("单据不属于该客户")))
        elif amount is None:
            amount = invoice.amount
    if amount is None or not 0 < amount < Decimal("1e14"):
        errors.append(("amount", _("本批次货款须大于 0")))
    liable = list(User.objects.filter(pk__in=set(liable_ids), is_active=True))
    if not liable or len(liable) != len(set(liable_ids)):
        errors.append(("liable_ids", _("请选择承担本批次货款的在职人员")))
    note = (note or "").strip()
    if not note:
        errors.append(("note", _("请写明查实情况")))
    if errors or amount is None:
        raise CreditError.of_fields(errors)
    with unique_or(Conflict(_("该单据已登记为未经审批的超授信额发货"), field="invoice_id")):
        found = UnapprovedShipment.objects.create(
            customer=customer,
            invoice=invoice,
            shipped_on=shipped_on,
            amount=amount,
            note=note[:300],
            by=by,
            at=now,
        )
    found.liable.set(liable)
    title = deferred(
        "未经审批的超授信额发货:%(customer)s ¥%(amount)s,由您承担本批次货款",
        customer=customer.name,
        amount=str(amount),
    )
    notify_people(
        liable, kind="credit.unapproved", title=title, link="/credit/unapproved/",
        body=note[:300], policy=policy,
    )  # fmt: skip
    details = {"amount": str(amount), "liable": [p.pk for p in liable], "note": note[:300]}
    record(customer, "credit.unapproved_shipment", by=by, details=details)
    return found


def recorded(user: User) -> QuerySet[UnapprovedShipment]:
    return (
        visible_to(user, UnapprovedShipment.objects.all())
        .select_related("customer", "invoice", "by")
        .prefetch_related("liable")
        .order_by("-shipped_on", "-id")
    )
