"""Risk signals (CRD-7, s004: 客户拒付或可能拒付 → 紧急报告): a refusal recorded by a
person, or a likely one inferred from the ledger by the policy's rule; either way the
owner and every level of the policy's roles hear of it at once, and the customer's credit
shipments stop until finance or a manager clears it. One open signal per customer (a
partial unique index): a second report, or the sweep finding it again, adds nothing."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice, Payment
from zhike.workflow.notify import notify_people

from .errors import CreditError, PermissionDenied
from .models import RiskKind, RiskSignal

CLEAR = "trade.add_invoice"  # finance (and whoever the admin gives it) clears a signal


def open_signal(customer_id: int) -> RiskSignal | None:
    return RiskSignal.objects.filter(customer_id=customer_id, cleared_at__isnull=True).first()


def _report(customer: Customer, signal: RiskSignal, policy: Policy) -> None:
    recipients: dict[int, User] = {}
    if customer.owner is not None:
        recipients[customer.owner.pk] = customer.owner
    near = customer.department
    for role in policy.credit.risk_report_roles:
        for person in people_with_role(role, near=near):
            recipients.setdefault(person.pk, person)
    title = deferred(
        "紧急:%(customer)s %(what)s", customer=customer.name, what=deferred(_msgid(signal.kind))
    )
    notify_people(
        recipients.values(), kind="credit.risk", title=title,
        link=f"/credit/customers/{customer.pk}/ship/", body=signal.note, policy=policy,
    )  # fmt: skip


def _msgid(kind: str) -> str:
    """The kind's label as a message id: the notice reads in its reader's language."""
    return {
        RiskKind.REFUSAL: gettext_noop("客户拒付"),
        RiskKind.LIKELY: gettext_noop("可能拒付(逾期未回款)"),
    }.get(RiskKind(kind), kind)


def _open(
    customer: Customer, *, kind: str, note: str, by: User | None, now: datetime
) -> RiskSignal | None:
    try:
        with transaction.atomic():
            return RiskSignal.objects.create(
                customer=customer, kind=kind, note=note[:300], by=by, at=now
            )
    except IntegrityError:
        return None  # already open: nobody is told twice


@transaction.atomic
def risk_report(
    *, by: User, customer_id: int, note: str, policy: Policy, now: datetime
) -> RiskSignal:
    """A person records a payment refusal: the emergency report goes out at once."""
    customer = access_customer(by, customer_id)
    note = (note or "").strip()
    if not note:
        raise CreditError(_("请写明拒付情况"), field="note")
    signal = _open(customer, kind=RiskKind.REFUSAL, note=note, by=by, now=now)
    if signal is None:
        raise CreditError(_("该客户已有未解除的风险信号"), field="customer_id")
    _report(customer, signal, policy)
    return signal


@transaction.atomic
def risk_clear(*, by: User, customer_id: int, reason: str, now: datetime) -> RiskSignal:
    if not by.has_perm(CLEAR):
        raise PermissionDenied(_("只有财务可以解除风险信号"))
    access_customer(by, customer_id)
    signal = (
        RiskSignal.objects.select_for_update()
        .filter(customer_id=customer_id, cleared_at__isnull=True)
        .first()
    )
    if signal is None:
        raise CreditError(_("该客户没有未解除的风险信号"), field="customer_id")
    reason = (reason or "").strip()
    if not reason:
        raise CreditError(_("请写明解除原因"), field="reason")
    signal.cleared_at, signal.cleared_by, signal.clear_reason = now, by, reason[:300]
    signal.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
    return signal


def sweep_refusals(*, policy: Policy, today: date, now: datetime, batch: int = 1000) -> int:
    """Customers whose receivable is overdue by ``refusal_overdue_days`` with no payment
    in as many days get a likely-refusal signal (once: see the unique index)."""
    days = policy.credit.refusal_overdue_days
    if not days or not policy.credit.enabled:
        return 0
    cutoff = today - timedelta(days=days)
    overdue = Invoice.objects.filter(
        customer=OuterRef("pk"), paid_on__isnull=True, due_on__lt=cutoff
    )
    paid = Payment.objects.filter(customer=OuterRef("pk"), received_on__gte=cutoff)
    open_ = RiskSignal.objects.filter(customer=OuterRef("pk"), cleared_at__isnull=True)
    found = (
        Customer.objects.filter(Exists(overdue), ~Exists(paid), ~Exists(open_))
        .select_related("owner", "department")
        .order_by("pk")[:batch]
    )
    made = 0
    for customer in found:
        with transaction.atomic():
            signal = _open(
                customer,
                kind=RiskKind.LIKELY,
                note=_("应收款逾期超过 %(n)s 天且 %(n)s 天内无回款") % {"n": days},
                by=None,
                now=now,
            )
            if signal is not None:
                _report(customer, signal, policy)
                made += 1
    return made
