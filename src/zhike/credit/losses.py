"""Bad debts and the over-limit month end (CRD-6, s003-12 3 and 4): an over-limit last
shipment's amount is due by the month's end, a deadline for the person liable (4.1);
a loss is recorded once per invoice with who bears what — the policy's shares within the
limit (3.1), the liable person alone for the last over-limit shipment (3.3), those found
responsible for a shipment made without approval (3.2, see unapproved.py)."""

import calendar
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.dates import day_end
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Duration, Policy
from zhike.trade.models import Invoice
from zhike.workflow.deadlines import deadline_open

from .errors import CreditError, PermissionDenied
from .models import BadDebt, Outcome, Shipment, UnapprovedShipment

MONTH_END = "credit.over_limit_month_end"
CENT = Decimal("0.01")


def month_end_deadline(shipment: Shipment, *, policy: Policy, now: datetime) -> None:
    """4.1: 客户超授信额末次开票发货之货款在当月底回笼 — for the liable person."""
    if shipment.outcome != Outcome.LAST_OVER or shipment.liable is None:
        return
    day = shipment.shipped_on
    end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    due = day_end(end)
    # From 18:00 of the signing day: the due moment is the month's last day at 18:00.
    start = day_end(timezone.localtime(min(now, due)).date())
    deadline_open(
        title=deferred("超授信额末次发货 %(number)s 货款须在月底前回笼", number=shipment.number),
        assignee=shipment.liable,
        start=start,
        within=Duration(calendar_days=(due.date() - start.date()).days),
        policy=policy,
        rule=MONTH_END,
        subject=shipment,
        link=f"/credit/customers/{shipment.customer_id}/ship/",
    )


def _split(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` in ``parts`` to the fen, the remainder fen to the first ones."""
    base = (amount / parts).quantize(CENT, rounding=ROUND_DOWN)
    rest = int((amount - base * parts) / CENT)
    return [base + (CENT if i < rest else 0) for i in range(parts)]


@transaction.atomic
def bad_debt_record(
    *, by: User, invoice_id: int, amount: Decimal, reason: str, policy: Policy, now: datetime
) -> BadDebt:
    if not by.has_perm("trade.add_invoice"):
        raise PermissionDenied(_("只有财务可以登记坏账"))
    invoice = (
        Invoice.objects.select_related("customer__owner", "customer__department")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise CreditError(_("没有这张应收单据"), field="invoice_id")
    open_amount = invoice.amount - invoice.paid_amount
    if amount <= 0 or amount > open_amount:
        raise CreditError(
            _("坏账金额须大于 0 且不超过未收金额 %(n)s 元") % {"n": open_amount}, field="amount"
        )
    reason = (reason or "").strip()
    if not reason:
        raise CreditError(_("请写明坏账原因"), field="reason")
    shipment = Shipment.objects.filter(invoice=invoice).select_related("liable").first()
    unapproved = UnapprovedShipment.objects.filter(invoice=invoice).first()
    shares: list[dict[str, str | int]] = []
    if unapproved is not None:  # 3.2: those found responsible bear the batch, in equal parts
        basis = _("未经审批超授信额发货:查实的责任人承担本批次货款")
        liable_ids = sorted(unapproved.liable.values_list("pk", flat=True))
        for person_id, part in zip(liable_ids, _split(amount, len(liable_ids)), strict=True):
            shares.append({"user": person_id, "role": "liable", "amount": str(part)})
    elif shipment is not None and shipment.outcome == Outcome.LAST_OVER and shipment.liable:
        basis = _("末次超授信额发货:责任人承担本次货款")
        shares.append({"user": shipment.liable.pk, "role": "liable", "amount": str(amount)})
    else:
        basis = _("授信额内坏账:相关人员按比例承担")
        customer = invoice.customer
        for role, percent in policy.credit.bad_debt_shares.items():
            if role == "salesperson":
                person = customer.owner
            else:
                found = people_with_role(role, near=customer.department)
                person = found[0] if found else None
            if person is None:
                continue
            part = (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            shares.append({"user": person.pk, "role": role, "amount": str(part)})
    try:
        with transaction.atomic():
            return BadDebt.objects.create(
                invoice=invoice,
                amount=amount,
                shares=shares,
                basis=basis,
                reason=reason[:300],
                by=by,
                at=now,
            )
    except IntegrityError:
        raise CreditError(_("该单据已登记坏账"), field="invoice_id") from None
