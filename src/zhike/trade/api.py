"""/api/v1/trade — the ledger over HTTP: contracts, invoices, payments, figures."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In, PageQuery
from zhike.archive.selectors import access_customer
from zhike.errors import PermissionDenied
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import selectors, services
from .importing import import_orders, saved_upload, template_response
from .metrics import Period, customer_figures
from .models import Invoice, Order, Payment

router = Router(tags=["trade"])


class OrderLineIn(In):
    model_config = ConfigDict(extra="forbid")
    product: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=50, description="品种")
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    unit: str = Field(min_length=1, max_length=10, description="单位,如 吨")
    price: Decimal = Field(ge=0, max_digits=16, decimal_places=2, description="合同单价")
    list_price: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)


class OrderIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    number: str = Field(min_length=1, max_length=40, description="合同编号")
    signed_on: date
    lines: list[OrderLineIn] = Field(min_length=1)
    note: str = Field(default="", max_length=200)


class OrderLineOut(Schema):
    product: str
    category: str
    quantity: Decimal
    unit: str
    price: Decimal
    list_price: Decimal | None
    amount: Decimal


class OrderOut(Schema):
    id: int
    customer_id: int
    number: str
    signed_on: date
    amount: Decimal
    note: str
    credited_to_id: int | None = Field(
        description="OWN-2: whose performance and commission the deal is (empty: the closer)"
    )
    credit_reason: str
    lines: list[OrderLineOut]


def order_out(order: Order) -> dict:
    return {
        "id": order.pk,
        "customer_id": order.customer_id,
        "number": order.number,
        "signed_on": order.signed_on,
        "amount": order.amount,
        "note": order.note,
        "credited_to_id": order.credited_to_id,
        "credit_reason": order.credit_reason,
        "lines": list(order.lines.all()),
    }


@router.get("/orders", response=list[OrderOut], summary="合同列表")
def list_orders(
    request: HttpRequest, page: Query[PageQuery], customer_id: Id | None = None
) -> list[dict]:
    user: User = request.user  # type: ignore[assignment]
    orders = selectors.orders_for(user, customer_id=customer_id)
    return [order_out(o) for o in orders[page.window]]


@router.post("/orders", response={201: OrderOut}, summary="录入合同")
def create_order(request: HttpRequest, payload: OrderIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    order = services.order_create(
        by=user,
        customer_id=payload.customer_id,
        number=payload.number,
        signed_on=payload.signed_on,
        note=payload.note,
        policy=active_policy(),
        lines=[services.LineInput(**line.model_dump()) for line in payload.lines],
    )
    return Status(201, order_out(selectors.orders_for(user).get(pk=order.pk)))


class InvoiceIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    number: str = Field(min_length=1, max_length=40)
    issued_on: date
    due_on: date | None = Field(default=None, description="默认按制度的收款期限([trade])")
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    order_id: Id | None = None


class InvoiceOut(Schema):
    id: int
    customer_id: int
    order_id: int | None
    number: str
    issued_on: date
    due_on: date
    amount: Decimal
    paid_amount: Decimal
    paid_on: date | None


@router.post("/invoices", response={201: InvoiceOut}, summary="录入应收单据")
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    invoice = services.invoice_create(by=user, policy=active_policy(), **payload.model_dump())
    return Status(201, Invoice.objects.get(pk=invoice.pk))


@router.get("/invoices", response=list[InvoiceOut], summary="应收单据")
def list_invoices(request: HttpRequest, customer_id: int) -> list[Invoice]:
    user: User = request.user  # type: ignore[assignment]
    return list(selectors.invoices_for(user, customer_id=customer_id)[:200])


class PaymentIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    received_on: date
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    reference: str = Field(default="", max_length=60)


class PaymentOut(Schema):
    id: int
    customer_id: int
    received_on: date
    amount: Decimal
    reference: str


@router.post("/payments", response={201: PaymentOut}, summary="录入回款")
def create_payment(request: HttpRequest, payload: PaymentIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    payment: Payment = services.payment_record(by=user, **payload.model_dump())
    return Status(201, payment)


class FiguresQuery(In):
    start: date | None = Field(default=None, description="默认为截止日前 period_months 个月")
    end: date | None = Field(default=None, description="默认今天")


class FiguresOut(Schema):
    customer_id: int
    start: date
    end: date
    contract_amount: Decimal
    volume: Decimal
    price_premium: Decimal | None
    order_count: int
    collected_amount: Decimal
    invoices_due: int
    on_time_ratio: Decimal | None
    overdue_count: int
    receivables: Decimal
    first_order_on: date | None
    main_category: str | None


@router.get("/figures/{id:customer_id}", response=FiguresOut, summary="客户交易指标")
def figures(request: HttpRequest, customer_id: int, query: Query[FiguresQuery]) -> dict:
    user: User = request.user  # type: ignore[assignment]
    access_customer(user, customer_id)
    policy = active_policy()
    period = Period.months_to(query.end or timezone.localdate(), policy.grading.period_months)
    if query.start is not None:
        period = Period(query.start, period.end)
    values = customer_figures(customer_id, period, volume_unit=policy.grading.volume_unit)
    return {"customer_id": customer_id, "start": period.start, "end": period.end} | vars(values)


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    rows: int
    orders: int
    lines: int
    skipped_orders: list[str]
    errors: list[ImportErrorOut]
    committed: bool


@router.post("/orders/import", response=ImportOut, summary="导入合同明细(xlsx/CSV)")
def import_orders_file(
    request: HttpRequest, file: File[UploadedFile], commit: Form[bool] = False
) -> dict:
    """Without ``commit`` a dry run: every bad row with row, column and a Chinese message.
    With it, all or nothing; contracts already in the ledger are skipped."""
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("trade.add_order"):
        raise PermissionDenied(_("您没有录入该类台账的权限"))
    with saved_upload(file) as path:
        report = import_orders(
            by=user, path=path, filename=file.name or "", policy=active_policy(), commit=commit
        )
    return vars(report) | {"errors": [vars(e) for e in report.errors]}


@router.get("/orders/import/template.xlsx", summary="合同明细导入模板")
def import_template(request: HttpRequest) -> HttpResponse:
    return template_response()
