"""The shipping check (CRD-3) and the shipment's life: checked and created under the
customer's row lock, so two shipments checked at the same moment against the same
headroom are decided one after the other; the second sees the first as exposure."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice, Order
from zhike.trade.services import invoice_create
from zhike.trade.trading import check_may_trade
from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import ApprovalRequest

from . import rules, selectors
from .errors import CreditError, NotFound, PermissionDenied
from .models import Shipment, ShipmentState

APPROVAL_KIND = "credit_over_limit"
SHIP = "credit.add_shipment"


def grade_of(customer: Customer) -> str:
    from zhike.grading.selectors import standing_of

    standing = standing_of(customer.pk)
    return standing.grade if standing else ""


@dataclass(frozen=True)
class Check:
    decision: rules.Decision
    facts: rules.Facts


def check(
    customer: Customer,
    *,
    amount: Decimal,
    on: date,
    policy: Policy,
    prepaid: bool = False,
    order_id: int | None = None,
) -> Check:
    """The facts and the decision for one shipment (no write). A shipment of a contract
    whose unshipped part is counted already (``ordered_not_shipped``) moves that part to
    another bucket: it is not counted twice."""
    credit = policy.credit
    today = selectors.credit_today(customer, on, grade=grade_of(customer), policy=credit)
    exposure = today.used
    if order_id is not None and "ordered_not_shipped" in credit.exposure:
        exposure -= min(amount, selectors.order_left(order_id, on, policy=credit))
    facts = rules.Facts(
        amount=amount,
        limit=today.limit,
        exposure=exposure,
        missing=today.missing,
        over_this_month=selectors.over_limit_this_month(customer.pk, on),
        overdue_blocked=selectors.overdue_blocked(customer.pk, on, policy=credit),
        prepaid=prepaid,
    )
    from .risk import open_signal

    signal = open_signal(customer.pk) if credit.enabled else None
    if signal is not None:  # CRD-7: a refusal stops credit until cleared
        reason = _("客户有拒付风险(%(note)s),停止授信发货;可先汇款后发货") % {"note": signal.note}
        if prepaid:
            return Check(rules.Decision("ship", "prepaid", reason), facts)
        return Check(rules.Decision("refused", "", reason), facts)
    if not credit.enabled:  # the company's policy runs no credit: a shipment just ships
        return Check(rules.Decision("ship", "within", _("制度未启用授信管理")), facts)
    return Check(rules.decide(facts, credit), facts)


@transaction.atomic
def shipment_create(
    *,
    by: User,
    customer_id: int,
    number: str,
    amount: Decimal,
    shipped_on: date,
    policy: Policy,
    now: datetime,
    order_id: int | None = None,
    prepaid: bool = False,
    repayment_plan: str = "",
    liable_id: int | None = None,
) -> Shipment:
    """Check a shipment and record it: shipped within the limit or prepaid; waiting for
    the regional manager's signature as the month's first over-limit shipment; the last
    one also names who is liable. Refused: a clear reason, nothing saved."""
    if not by.has_perm(SHIP):
        raise PermissionDenied(_("您没有开具发货单的权限"))
    access_customer(by, customer_id)
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    check_may_trade(customer, policy)  # blacklist, admission
    if amount <= 0:
        raise CreditError(_("金额必须大于 0"), field="amount")
    number = number.strip()
    if not number or len(number) > 40:
        raise CreditError(_("请填写发货单号(最多 40 字)"), field="number")
    if order_id is not None and not Order.objects.filter(pk=order_id, customer=customer).exists():
        raise CreditError(_("合同不属于该客户"), field="order_id")
    if prepaid and not repayment_plan.strip():
        raise CreditError(_("先汇款发货须写明超授信额货款回笼计划"), field="repayment_plan")
    result = check(
        customer, amount=amount, on=shipped_on, policy=policy, prepaid=prepaid, order_id=order_id
    )
    decision = result.decision
    if decision.verdict == "refused":
        raise CreditError(decision.reason, field="credit")
    liable = None
    if decision.verdict == "liability":
        liable = User.objects.filter(pk=liable_id or 0, is_active=True).first()
        if liable is None:
            raise CreditError(_("末次超授信额发货须指定承担责任的人"), field="liable_id")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                customer=customer,
                order_id=order_id,
                number=number,
                shipped_on=shipped_on,
                amount=amount,
                state=ShipmentState.SHIPPED
                if decision.verdict == "ship"
                else ShipmentState.PENDING,
                outcome=decision.outcome,
                reason=decision.reason[:300],
                limit=result.facts.limit,
                exposure=result.facts.exposure,
                liable=liable,
                repayment_plan=repayment_plan.strip()[:300],
                created_by=by,
                policy_version=policy.policy.version,
            )
    except IntegrityError:
        raise CreditError(_("发货单号 %(n)s 已存在") % {"n": number}, field="number") from None
    if decision.verdict in ("approval", "liability"):
        approval_submit(
            kind=APPROVAL_KIND,
            subject=shipment,
            title=deferred(
                "超授信额发货:%(customer)s %(number)s", customer=customer.name, number=number
            ),
            by=by,
            policy=policy,
            now=now,
            amount=amount,
        )
    record(
        customer,
        "credit.shipment",
        by=by,
        details={
            "number": number,
            "amount": amount,
            "outcome": decision.outcome,
            "limit": result.facts.limit,
            "exposure": result.facts.exposure,
        },
    )
    return shipment


def on_over_limit_approved(request: ApprovalRequest) -> None:
    from zhike.policy.loader import active_policy

    from .losses import month_end_deadline

    shipped = Shipment.objects.filter(pk=request.object_id, state=ShipmentState.PENDING).update(
        state=ShipmentState.SHIPPED
    )
    if shipped:  # signed: a last over-limit shipment's money is due by the month's end
        shipment = Shipment.objects.select_related("liable").get(pk=request.object_id)
        month_end_deadline(
            shipment, policy=active_policy(), now=request.decided_at or shipment.created_at
        )


def on_over_limit_refused(request: ApprovalRequest) -> None:
    Shipment.objects.filter(pk=request.object_id, state=ShipmentState.PENDING).update(
        state=ShipmentState.CANCELLED
    )


@transaction.atomic
def shipment_invoice_issue(
    *,
    by: User,
    shipment_id: int,
    number: str,
    issued_on: date,
    policy: Policy,
    due_on: date | None = None,
) -> Shipment:
    """Issue the invoice of a shipped shipment (开票): the receivable for its amount, not
    checked again — the shipment was (CRD-3), and its approval is not reused: the
    shipment can be invoiced once."""
    shipment = _shipment_to_invoice(by, shipment_id)
    invoice = invoice_create(
        by=by,
        customer_id=shipment.customer_id,
        number=number.strip(),
        issued_on=issued_on,
        amount=shipment.amount,
        policy=policy,
        due_on=due_on,
        order_id=shipment.order_id,
        credit_checked=True,
    )
    shipment.invoice, shipment.state = invoice, ShipmentState.INVOICED
    shipment.save(update_fields=["invoice", "state"])
    return shipment


@transaction.atomic  # the lock holds only inside the caller's transaction
def _shipment_to_invoice(by: User, shipment_id: int) -> Shipment:
    if not by.has_perm("trade.add_invoice"):
        raise PermissionDenied(_("您没有录入该类台账的权限"))
    visible = selectors.shipments_for(by).filter(pk=shipment_id).values_list("pk", flat=True)
    shipment = Shipment.objects.select_for_update().filter(pk__in=list(visible)).first()
    if shipment is None:
        raise NotFound(_("发货单不存在或不在您的权限范围内"))
    if shipment.state != ShipmentState.SHIPPED:
        raise CreditError(_("只有已发货的发货单可以开票"), field="state")
    return shipment


@transaction.atomic
def shipment_invoiced(*, by: User, shipment_id: int, invoice_id: int) -> Shipment:
    """The shipment's invoice is issued: it is a receivable now, no longer shipped-not-invoiced
    (finance links them)."""
    shipment = _shipment_to_invoice(by, shipment_id)
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.customer_id != shipment.customer_id:
        raise CreditError(_("发票与发货单不属于同一客户"), field="invoice_id")
    taken = CreditError(_("该发票已是另一张发货单的发票"), field="invoice_id")
    if Shipment.objects.filter(invoice=invoice).exists():
        raise taken
    shipment.invoice, shipment.state = invoice, ShipmentState.INVOICED
    with unique_or(taken):  # two shipments linked to one invoice at once: one wins
        shipment.save(update_fields=["invoice", "state"])
    return shipment
