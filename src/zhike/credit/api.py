"""/api/v1/credit — a customer's credit today (limit, exposure by bucket, headroom, why not
eligible), the shipping check as a preview, shipments, and the aging table (CRD-1…CRD-4).
Scoped: a customer outside the caller's scope is a 404, as a missing one is."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In, PageQuery
from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import aging, losses, risk, selectors, services, terms
from .errors import CreditError
from .models import RiskSignal, Shipment

router = Router(tags=["credit"])
AMOUNT = Field(gt=0, max_digits=16, decimal_places=2)


class CreditOut(Schema):
    customer_id: int
    on: date
    limit: Decimal
    exposure: dict[str, Decimal]
    used: Decimal
    headroom: Decimal
    missing: list[str] = Field(description="eligibility items not met (CRD-1); empty: eligible")


class CheckIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    amount: Decimal = AMOUNT
    shipped_on: date | None = None
    prepaid: bool = False


class CheckOut(Schema):
    verdict: str = Field(description="ship / approval / liability / refused")
    outcome: str
    reason: str
    limit: Decimal
    exposure: Decimal


class ShipmentIn(CheckIn):
    number: str = Field(min_length=1, max_length=40)
    order_id: Id | None = None
    repayment_plan: str = Field(default="", max_length=300)
    liable_id: Id | None = None


class ShipmentOut(Schema):
    id: int
    customer_id: int
    number: str
    shipped_on: date
    amount: Decimal
    state: str
    outcome: str
    reason: str
    limit: Decimal
    exposure: Decimal
    liable_id: int | None
    invoice_id: int | None


class ShipmentQuery(PageQuery):
    customer_id: Id | None = None


class InvoiceIn(In):
    """Link the invoice recorded in the ledger (``invoice_id``), or issue it here
    (``number`` and ``issued_on``; due by the customer's payment terms unless ``due_on``)."""

    model_config = ConfigDict(extra="forbid")
    invoice_id: Id | None = None
    number: str | None = Field(default=None, min_length=1, max_length=40)
    issued_on: date | None = None
    due_on: date | None = None


class AgingQuery(In):
    model_config = ConfigDict(extra="forbid")
    on: date | None = None
    by: str = Field(default="customer", pattern=r"^(customer|owner|department)$")
    limit: int = Field(default=200, ge=1, le=1000)


class AgingRowOut(Schema):
    key: int | None
    name: str
    total: Decimal
    buckets: list[Decimal]


class AgingOut(Schema):
    on: date
    labels: list[str]
    rows: list[AgingRowOut]


class BadDebtIn(In):
    model_config = ConfigDict(extra="forbid")
    invoice_id: Id
    amount: Decimal = AMOUNT
    reason: str = Field(min_length=1, max_length=300)


class ShareOut(Schema):
    user: int
    role: str
    amount: Decimal


class BadDebtOut(Schema):
    invoice_id: int
    amount: Decimal
    basis: str
    shares: list[ShareOut]


class RiskIn(In):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=300)


class RiskClearIn(In):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=300)


class RiskOut(Schema):
    customer_id: int
    kind: str
    note: str
    open: bool


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _shipment(s: Shipment) -> dict:
    return {
        "id": s.pk,
        "customer_id": s.customer_id,
        "number": s.number,
        "shipped_on": s.shipped_on,
        "amount": s.amount,
        "state": s.state,
        "outcome": s.outcome,
        "reason": s.reason,
        "limit": s.limit,
        "exposure": s.exposure,
        "liable_id": s.liable_id,
        "invoice_id": s.invoice_id,
    }


@router.get(
    "/customers/{id:customer_id}", response=CreditOut, summary="客户今日授信:额度、占用、余额"
)
def credit_of(request: HttpRequest, customer_id: int) -> dict:
    customer = access_customer(_user(request), customer_id)
    today = timezone.localdate()
    view = selectors.credit_today(
        customer, today, grade=services.grade_of(customer), policy=active_policy().credit
    )
    return {
        "customer_id": customer.pk,
        "on": today,
        "limit": view.limit,
        "exposure": view.exposure,
        "used": view.used,
        "headroom": view.headroom,
        "missing": view.missing,
    }


@router.post("/checks", response=CheckOut, summary="发货前授信检查(只检查,不开单)")
def check(request: HttpRequest, payload: CheckIn) -> dict:
    customer = access_customer(_user(request), payload.customer_id)
    result = services.check(
        customer,
        amount=payload.amount,
        on=payload.shipped_on or timezone.localdate(),
        policy=active_policy(),
        prepaid=payload.prepaid,
    )
    return {
        "verdict": result.decision.verdict,
        "outcome": result.decision.outcome,
        "reason": result.decision.reason,
        "limit": result.facts.limit,
        "exposure": result.facts.exposure,
    }


@router.post("/shipments", response={201: ShipmentOut}, summary="开具发货单(授信检查通过后)")
def create_shipment(request: HttpRequest, payload: ShipmentIn) -> Status:
    shipment = services.shipment_create(
        by=_user(request),
        customer_id=payload.customer_id,
        number=payload.number,
        amount=payload.amount,
        shipped_on=payload.shipped_on or timezone.localdate(),
        policy=active_policy(),
        now=timezone.now(),
        order_id=payload.order_id,
        prepaid=payload.prepaid,
        repayment_plan=payload.repayment_plan,
        liable_id=payload.liable_id,
    )
    return Status(201, _shipment(shipment))


@router.get("/shipments", response=list[ShipmentOut], summary="发货单(新的在前)")
def list_shipments(request: HttpRequest, query: Query[ShipmentQuery]) -> list[dict]:
    items = selectors.shipments_for(_user(request))
    if query.customer_id:
        items = items.filter(customer_id=query.customer_id)
    return [_shipment(s) for s in items.order_by("-shipped_on", "-id")[query.window]]


@router.post(
    "/shipments/{id:shipment_id}/invoice", response=ShipmentOut, summary="发货单已开票(转为应收)"
)
def invoiced(request: HttpRequest, shipment_id: int, payload: InvoiceIn) -> dict:
    user = _user(request)
    if payload.invoice_id is not None:
        shipment = services.shipment_invoiced(
            by=user, shipment_id=shipment_id, invoice_id=payload.invoice_id
        )
    elif payload.number and payload.issued_on:
        shipment = services.shipment_invoice_issue(
            by=user,
            shipment_id=shipment_id,
            number=payload.number,
            issued_on=payload.issued_on,
            due_on=payload.due_on,
            policy=active_policy(),
        )
    else:
        raise CreditError(_("请填写发票 invoice_id,或单据编号和开票日期"), field="invoice_id")
    return _shipment(shipment)


@router.get("/aging", response=AgingOut, summary="应收账款账龄登记表")
def aging_table(request: HttpRequest, query: Query[AgingQuery]) -> dict:
    on = query.on or timezone.localdate()
    table = aging.aging(
        _user(request), on=on, by=query.by, policy=active_policy(), limit=query.limit
    )
    return {
        "on": on,
        "labels": table.labels,
        "rows": [
            {"key": r.key, "name": r.name, "total": r.total, "buckets": r.buckets}
            for r in table.rows
        ],
    }


def _risk(signal: RiskSignal) -> dict:
    return {
        "customer_id": signal.customer_id,
        "kind": signal.kind,
        "note": signal.note,
        "open": signal.cleared_at is None,
    }


@router.post(
    "/customers/{id:customer_id}/risk",
    response={201: RiskOut},
    summary="报告客户拒付(紧急报告各级)",
)
def report_risk(request: HttpRequest, customer_id: int, payload: RiskIn) -> Status:
    signal = risk.risk_report(
        by=_user(request),
        customer_id=customer_id,
        note=payload.note,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, _risk(signal))


@router.post(
    "/customers/{id:customer_id}/risk/clear", response=RiskOut, summary="解除风险信号(财务)"
)
def clear_risk(request: HttpRequest, customer_id: int, payload: RiskClearIn) -> dict:
    signal = risk.risk_clear(
        by=_user(request), customer_id=customer_id, reason=payload.reason, now=timezone.now()
    )
    return _risk(signal)


@router.post("/bad-debts", response={201: BadDebtOut}, summary="登记坏账(财务):承担人与金额")
def bad_debt(request: HttpRequest, payload: BadDebtIn) -> Status:
    debt = losses.bad_debt_record(
        by=_user(request),
        invoice_id=payload.invoice_id,
        amount=payload.amount,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "invoice_id": debt.invoice_id,
            "amount": debt.amount,
            "basis": debt.basis,
            "shares": debt.shares,
        },
    )


class TermsIn(In):
    model_config = ConfigDict(extra="forbid")
    limit: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)
    payment_days: int | None = Field(
        default=None, ge=1, le=365, description="a payment term longer than the usual (款期)"
    )
    valid_until: date
    reason: str = Field(min_length=1, max_length=300)


class TermsOut(Schema):
    id: int
    customer_id: int
    limit: Decimal | None
    payment_days: int | None
    valid_until: date
    reason: str
    state: str


@router.post(
    "/customers/{id:customer_id}/terms",
    response={201: TermsOut},
    summary="申请超过信用范围的特殊协议(主管副总经理审批)",
)
def request_terms(request: HttpRequest, customer_id: int, payload: TermsIn) -> Status:
    special = terms.terms_request(
        by=_user(request),
        customer_id=customer_id,
        limit=payload.limit,
        payment_days=payload.payment_days,
        valid_until=payload.valid_until,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "id": special.pk,
            "customer_id": special.customer_id,
            "limit": special.limit,
            "payment_days": special.payment_days,
            "valid_until": special.valid_until,
            "reason": special.reason,
            "state": special.state,
        },
    )
