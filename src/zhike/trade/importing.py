"""Import of contracts from xlsx or CSV (GRD-5 ledger; the archive's file reader, IMP-1).

One row per contract line; rows with the same contract number form one contract. The file
is read with the archive's reader (xlsx via calamine, CSV in UTF-8 or GB18030 detected),
checked row by row with Chinese messages (row, column, why), then written in one
transaction — all or nothing. A second import of the same file adds nothing: contracts
whose number exists are reported and skipped.
"""

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from openpyxl import Workbook

from zhike.archive.models import Customer
from zhike.archive.selectors import customers_for
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.spreadsheets import ImportFileError, ParsedRow, RowError, read_rows

from .errors import TradeError
from .models import Order, OrderLine
from .trading import Document, check_document, check_may_trade, guarded

COLUMNS: dict[str, str] = {
    "合同编号": "number",
    "客户编码": "customer_code",
    "签订日期": "signed_on",
    "产品": "product",
    "品种": "category",
    "数量": "quantity",
    "单位": "unit",
    "合同单价": "price",
    "牌价": "list_price",
}
REQUIRED: tuple[str, ...] = (
    "number",
    "customer_code",
    "signed_on",
    "product",
    "category",
    "quantity",
    "unit",
    "price",
)
CENT = Decimal("0.01")


@dataclass
class OrderImportReport:
    rows: int = 0
    orders: int = 0
    lines: int = 0
    skipped_orders: list[str] = field(default_factory=list)  # numbers already in the ledger
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


@dataclass
class _Contract:
    customer_id: int
    signed_on: date
    lines: list[OrderLine] = field(default_factory=list)


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value


def _date(text: str) -> date:
    return date.fromisoformat(text.replace("/", "-")[:10])


def import_orders(
    *, by: User, path: Path, filename: str, policy: Policy, commit: bool
) -> OrderImportReport:
    """Check the file (and, with ``commit``, write it when every row is good)."""
    report = OrderImportReport()
    try:
        layout, rows = read_rows(path, filename, columns=COLUMNS, required=REQUIRED)
        contracts = _check(by, layout.column_of, rows, report, policy)
    except ImportFileError as exc:
        report.errors.append(RowError(row=0, column="", message=str(exc)))
        return report
    if commit and not report.errors:
        try:
            with transaction.atomic():
                if guarded("order", policy):
                    _write_checked(by, contracts, report, policy)
                else:
                    _write(by, contracts, report)
        except _Refused as exc:  # one contract refused: nothing is written
            report.errors.append(RowError(row=0, column="number", message=str(exc)))
    return report


class _Refused(Exception):
    pass


def _check(
    by: User,
    header: Callable[[str], str],
    rows: Iterator[ParsedRow],
    report: OrderImportReport,
    policy: Policy,
) -> dict[str, _Contract]:
    """Every row checked; the good ones grouped by contract number."""
    visible = customers_for(by)
    customer_ids: dict[str, int | None] = {}
    existing: set[str] = set()
    contracts: dict[str, _Contract] = {}
    for parsed in rows:
        report.rows += 1
        data, row = parsed.data, parsed.row

        def fail(name: str, message: str, row: int = row) -> None:
            report.errors.append(RowError(row=row, column=header(name), message=message))

        missing = [name for name in REQUIRED if not data.get(name)]
        for name in missing:
            fail(name, "必填")
        if missing:
            continue
        code = data["customer_code"]
        if code not in customer_ids:
            customer = visible.filter(code=code).first()
            if customer is not None:
                try:
                    check_may_trade(customer, policy)
                except TradeError as exc:
                    fail("customer_code", exc.message)
                    customer_ids[code] = None
                    continue
            customer_ids[code] = customer.pk if customer else None
        customer_id = customer_ids[code]
        if customer_id is None:
            fail("customer_code", f"客户编码 {code} 不存在、无权查看或不能交易")
            continue
        try:
            signed_on = _date(data["signed_on"])
        except ValueError:
            fail("signed_on", "日期格式应为 2026-03-01")
            continue
        try:
            quantity, price = _decimal(data["quantity"]), _decimal(data["price"])
            list_price = _decimal(data["list_price"]) if data.get("list_price") else None
        except (InvalidOperation, ValueError):
            fail("quantity", "数量、单价、牌价应为数字")
            continue
        if quantity <= 0 or price < 0 or (list_price is not None and list_price < 0):
            fail("quantity", "数量必须大于 0,单价和牌价不能为负")
            continue
        number = data["number"]
        if number in existing:
            continue
        # One lookup per contract, not per line.
        if number not in contracts and Order.objects.filter(number=number).exists():
            existing.add(number)
            report.skipped_orders.append(number)
            continue
        contract = contracts.setdefault(number, _Contract(customer_id, signed_on))
        if (contract.customer_id, contract.signed_on) != (customer_id, signed_on):
            fail("number", f"合同 {number} 的各行客户或签订日期不一致")
            continue
        contract.lines.append(
            OrderLine(
                customer_id=customer_id,
                signed_on=signed_on,
                product=data["product"][:100],
                category=data["category"][:50],
                quantity=quantity,
                unit=data["unit"][:10],
                list_price=list_price,
                price=price,
                amount=(quantity * price).quantize(CENT),
            )
        )
    return contracts


def _write(by: User, contracts: dict[str, _Contract], report: OrderImportReport) -> None:
    orders = [
        Order(
            customer_id=c.customer_id,
            number=number,
            signed_on=c.signed_on,
            amount=sum((line.amount for line in c.lines), Decimal(0)),
            created_by=by,
        )
        for number, c in contracts.items()
    ]
    Order.objects.bulk_create(orders, batch_size=2000)
    lines = []
    for order, contract in zip(orders, contracts.values(), strict=True):
        for line in contract.lines:
            line.order = order
            lines.append(line)
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    report.orders, report.lines, report.committed = len(orders), len(lines), True


@transaction.atomic  # the customers' locks hold to the end of the import's transaction
def _write_checked(
    by: User, contracts: dict[str, _Contract], report: OrderImportReport, policy: Policy
) -> None:
    """Contract by contract, each checked (e.g. credit at the order, CRD-3) under its
    customer's row lock after the ones before it are written: a file of contracts that
    together exceed a limit does not slip past it, as each alone would."""
    lines = 0
    for number, c in sorted(contracts.items(), key=lambda item: item[1].signed_on):
        customer = Customer.objects.select_for_update().get(pk=c.customer_id)
        amount = sum((line.amount for line in c.lines), Decimal(0))
        try:
            check_document(Document("order", customer, number, amount, c.signed_on), policy)
        except TradeError as exc:
            raise _Refused(f"合同 {number}:{exc.message}") from None
        order = Order.objects.create(
            customer=customer, number=number, signed_on=c.signed_on, amount=amount, created_by=by
        )
        for line in c.lines:
            line.order = order
        OrderLine.objects.bulk_create(c.lines, batch_size=2000)
        lines += len(c.lines)
    report.orders, report.lines, report.committed = len(contracts), lines, True


@contextmanager
def saved_upload(upload: UploadedFile) -> Iterator[Path]:
    """An uploaded file written to a temporary path (the reader streams from disk)."""
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix.lower()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


# What each kind of ledger file holds, and the permission to import it.
IMPORT_KINDS: dict[str, str] = {
    "orders": "trade.add_order",
    "invoices": "trade.add_invoice",
    "payments": "trade.add_payment",
}
TEMPLATE_NAMES = {"orders": "合同明细", "invoices": "应收单据", "payments": "回款"}


def importable_kinds(user: Any) -> list[str]:
    """The kinds of ledger file ``user`` may import, in the page's order."""
    return [kind for kind, permission in IMPORT_KINDS.items() if user.has_perm(permission)]


def template_response(kind: str = "orders") -> HttpResponse:
    """The import template of ``kind`` as a download."""
    from urllib.parse import quote

    response = HttpResponse(
        template_xlsx(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = quote(f"{TEMPLATE_NAMES[kind]}.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def template_xlsx(kind: str = "orders") -> bytes:
    """An import template: the kind's Chinese headers and one example row."""
    import io

    columns, example = {
        "orders": (
            COLUMNS,
            [
                "HT2026-0001",
                "KH2026000001",
                "2026-03-01",
                "一级大豆油",
                "粮油",
                12.5,
                "吨",
                9000,
                8500,
            ],
        ),
        "invoices": (
            INVOICE_COLUMNS,
            ["FP2026-0001", "KH2026000001", "HT2026-0001", "2026-03-05", "2026-04-04", 106250],
        ),
        "payments": (PAYMENT_COLUMNS, ["KH2026000001", "2026-03-20", 50000, "YH20260320001"]),
    }[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_NAMES[kind]
    sheet.append(list(columns))
    sheet.append(example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Invoices and payments -----------------------------------------------------------------

INVOICE_COLUMNS: dict[str, str] = {
    "单据编号": "number",
    "客户编码": "customer_code",
    "合同编号": "order_number",
    "开票日期": "issued_on",
    "应收日期": "due_on",
    "金额": "amount",
}
PAYMENT_COLUMNS: dict[str, str] = {
    "客户编码": "customer_code",
    "到账日期": "received_on",
    "金额": "amount",
    "凭证号": "reference",
}


@dataclass
class MoneyImportReport:
    rows: int = 0
    written: int = 0
    skipped: list[str] = field(default_factory=list)  # numbers / references already there
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


def import_money(
    *, by: User, path: Path, filename: str, kind: str, commit: bool, policy: Policy
) -> MoneyImportReport:
    """Invoices (``kind="invoices"``) or payments (``"payments"``) from a file, through the
    same services as one entry each (so payments settle invoices oldest first). Checked
    first; written all or nothing; a second import skips invoices by number and payments by
    customer + reference (which is therefore required)."""
    from .models import Invoice, Payment
    from .services import invoice_create, payment_record

    report = MoneyImportReport()
    columns = INVOICE_COLUMNS if kind == "invoices" else PAYMENT_COLUMNS
    required = (
        ("number", "customer_code", "issued_on", "amount")
        if kind == "invoices"
        else ("customer_code", "received_on", "amount", "reference")
    )
    try:
        layout, rows = read_rows(path, filename, columns=columns, required=required)
        good: list[dict] = []
        visible = customers_for(by)
        customers: dict[str, Customer | None] = {}
        for parsed in rows:
            report.rows += 1
            data, row = parsed.data, parsed.row

            def fail(name: str, message: str, row: int = row) -> None:
                report.errors.append(RowError(row, layout.column_of(name), message))

            missing = [name for name in required if not data.get(name)]
            for name in missing:
                fail(name, "必填")
            if missing:
                continue
            code = data["customer_code"]
            if code not in customers:  # one lookup per customer, not per row
                customers[code] = visible.filter(code=code).first()
            customer = customers[code]
            if customer is None:
                fail("customer_code", f"客户编码 {data['customer_code']} 不存在或无权查看")
                continue
            try:
                amount = _decimal(data["amount"])
                day = _date(data["issued_on" if kind == "invoices" else "received_on"])
                due = _date(data["due_on"]) if data.get("due_on") else None
            except (InvalidOperation, ValueError):
                fail("amount", "日期应为 2026-03-01,金额应为数字")
                continue
            if amount <= 0:
                fail("amount", "金额必须大于 0")
                continue
            if kind == "invoices":
                if Invoice.objects.filter(number=data["number"]).exists():
                    report.skipped.append(data["number"])
                    continue
                order_id = None
                if data.get("order_number"):
                    order = Order.objects.filter(
                        number=data["order_number"], customer=customer
                    ).first()
                    if order is None:
                        fail("order_number", "该客户没有这个合同编号")
                        continue
                    order_id = order.pk
                good.append(
                    {
                        "customer_id": customer.pk,
                        "number": data["number"],
                        "issued_on": day,
                        "due_on": due,
                        "amount": amount,
                        "order_id": order_id,
                    }
                )
            else:
                reference = data["reference"][:60]
                if Payment.objects.filter(customer=customer, reference=reference).exists():
                    report.skipped.append(reference)
                    continue
                good.append(
                    {
                        "customer_id": customer.pk,
                        "received_on": day,
                        "amount": amount,
                        "reference": reference,
                    }
                )
    except ImportFileError as exc:
        report.errors.append(RowError(row=0, column="", message=str(exc)))
        return report
    if not commit or report.errors:
        return report
    try:
        with transaction.atomic():
            date_key = "issued_on" if kind == "invoices" else "received_on"
            for entry in sorted(good, key=lambda e: (e[date_key], e["customer_id"])):
                if kind == "invoices":
                    invoice_create(by=by, policy=policy, **entry)
                else:
                    payment_record(by=by, **entry)
    except TradeError as exc:  # e.g. a number twice in the file: nothing is written
        report.errors.append(RowError(row=0, column="", message=exc.message))
        return report
    report.written, report.committed = len(good), True
    return report
