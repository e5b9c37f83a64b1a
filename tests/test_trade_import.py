"""Contracts imported from xlsx/CSV with the archive's reader (GRD-5 ledger, IMP-1)."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from zhike.trade.models import Order, OrderLine

from .conftest import Company

HEADER = ["合同编号", "客户编码", "签订日期", "产品", "品种", "数量", "单位", "合同单价", "牌价"]


def xlsx(rows: list[list[object]]) -> BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "合同.xlsx"
    return buffer


def post(company: Company, persona: str, upload: BytesIO, commit: bool) -> dict:
    response = company.api(persona).post(
        "/api/v1/trade/orders/import", {"file": upload, "commit": "true" if commit else "false"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_grd_5_contract_import_dry_run_commit_and_reimport(company: Company) -> None:
    code = company.customers["A"].code
    rows = [
        ["HT-1", code, "2026-03-01", "一级大豆油", "粮油", 12.5, "吨", 9000, 8500],
        ["HT-1", code, "2026-03-01", "东北大米", "粮油", 20, "吨", 5200, ""],
        ["HT-2", code, "2026/04/02", "寿光黄瓜", "蔬菜", 3, "吨", 2600, 2500],
    ]
    dry = post(company, "alice", xlsx(rows), commit=False)
    assert (dry["rows"], dry["errors"], dry["committed"]) == (3, [], False)
    assert not Order.objects.exists()
    done = post(company, "alice", xlsx(rows), commit=True)
    assert (done["orders"], done["lines"], done["committed"]) == (2, 3, True)
    first = Order.objects.get(number="HT-1")
    assert first.amount == Decimal("112500.00") + Decimal("104000.00")
    assert OrderLine.objects.get(product="东北大米").list_price is None
    # The same file again adds nothing: its contracts are reported as already there.
    again = post(company, "alice", xlsx(rows), commit=True)
    assert again["orders"] == 0 and sorted(again["skipped_orders"]) == ["HT-1", "HT-2"]
    assert OrderLine.objects.count() == 3


def test_grd_5_contract_import_bad_rows_named_and_nothing_written(company: Company) -> None:
    mine, hidden = company.customers["A"].code, company.customers["B"].code
    rows = [
        ["HT-1", mine, "2026-03-01", "大豆油", "粮油", 1, "吨", 9000, ""],
        ["HT-2", hidden, "2026-03-01", "大豆油", "粮油", 1, "吨", 9000, ""],  # Bob's customer
        ["HT-3", mine, "3月1日", "大豆油", "粮油", 1, "吨", 9000, ""],
        ["HT-4", mine, "2026-03-01", "大豆油", "粮油", "十吨", "吨", 9000, ""],
        ["HT-5", mine, "2026-03-01", "", "粮油", 1, "吨", 9000, ""],
        ["HT-1", mine, "2026-03-02", "大米", "粮油", 1, "吨", 5000, ""],  # date differs
    ]
    report = post(company, "alice", xlsx(rows), commit=True)
    found = {(e["row"], e["column"]) for e in report["errors"]}
    assert found == {(3, "客户编码"), (4, "签订日期"), (5, "数量"), (6, "产品"), (7, "合同编号")}
    assert all(e["message"] for e in report["errors"])
    assert report["committed"] is False and not Order.objects.exists()


def test_grd_5_contract_import_csv_in_gb18030(company: Company) -> None:
    code = company.customers["A"].code
    text = ",".join(HEADER) + f"\r\nHT-9,{code},2026-03-01,陈醋,调味品,100,箱,12.5,12\r\n"
    upload = BytesIO(text.encode("gb18030"))
    upload.name = "合同.csv"
    report = post(company, "alice", upload, commit=True)
    assert report["errors"] == [] and report["lines"] == 1
    assert OrderLine.objects.get().product == "陈醋"


def test_grd_5_contract_import_needs_the_permission_and_the_columns(company: Company) -> None:
    upload = xlsx([])
    assert (
        company.api("cs").post("/api/v1/trade/orders/import", {"file": upload}).status_code == 403
    )
    bad = BytesIO("客户编码,数量\r\nX,1\r\n".encode())
    bad.name = "x.csv"
    report = post(company, "alice", bad, commit=False)
    assert "缺少" in report["errors"][0]["message"] and "合同编号" in report["errors"][0]["message"]


def test_grd_5_ledger_entered_and_imported_on_the_web(company: Company) -> None:
    from zhike.trade.models import Invoice, Payment

    customer = company.customers["A"]
    url = f"/customers/{customer.pk}/grading/"
    alice, fin = company.client("alice"), company.client("fin")
    alice.post(
        url,
        {
            "action": "order",
            "number": "HT-W1",
            "signed_on": "2026-03-01",
            "product": "大豆油",
            "category": "粮油",
            "quantity": "2",
            "unit": "吨",
            "price": "9,000",
            "list_price": "",
        },
    )
    assert Order.objects.get(number="HT-W1").amount == Decimal(18000)
    bad = alice.post(
        url,
        {
            "action": "order",
            "number": "HT-W2",
            "signed_on": "3月1日",
            "product": "x",
            "category": "y",
            "quantity": "1",
            "unit": "吨",
            "price": "1",
        },
    )
    assert "请检查日期" in bad.content.decode() and not Order.objects.filter(number="HT-W2")
    assert "录入应收" not in alice.get(url).content.decode()  # finance enters money
    fin.post(
        url,
        {
            "action": "invoice",
            "number": "FP-W1",
            "issued_on": "2026-03-02",
            "due_on": "",
            "amount": "18000",
        },
    )
    fin.post(
        url,
        {
            "action": "payment",
            "received_on": "2026-03-20",
            "amount": "18000",
            "reference": "银行回单 0001",
        },
    )
    invoice = Invoice.objects.get(number="FP-W1")
    assert invoice.paid_on is not None and Payment.objects.count() == 1
    # The import page: check first, then import.
    page = alice.post(
        "/trade/import/",
        {"file": xlsx([["HT-W3", customer.code, "2026-04-01", "大米", "粮油", 5, "吨", 5000, ""]])},
    )
    assert "检查通过" in page.content.decode() and not Order.objects.filter(number="HT-W3")
    page = alice.post(
        "/trade/import/",
        {
            "commit": "on",
            "file": xlsx(
                [["HT-W3", customer.code, "2026-04-01", "大米", "粮油", 5, "吨", 5000, ""]]
            ),
        },
    )
    assert "已导入" in page.content.decode() and Order.objects.filter(number="HT-W3").exists()
    assert company.client("cs").get("/trade/import/").status_code == 403


def test_grd_5_invoices_and_payments_imported_by_finance(company: Company) -> None:
    from zhike.trade.models import Invoice, Payment

    code = company.customers["A"].code
    fin = company.client("fin")

    def upload(header: list[str], rows: list[list[object]], name: str) -> BytesIO:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        buffer.name = name
        return buffer

    invoices = [
        ["FP-1", code, "", "2026-03-01", "2026-03-31", 1000],
        ["FP-2", code, "", "2026-04-01", "", 500],
    ]
    header = ["单据编号", "客户编码", "合同编号", "开票日期", "应收日期", "金额"]
    page = fin.post(
        "/trade/import/",
        {"kind": "invoices", "commit": "on", "file": upload(header, invoices, "应收.xlsx")},
    )
    assert "写入 2 条" in page.content.decode()
    payments = [[code, "2026-03-20", 1200, "回单-001"], [code, "2026-05-01", 300, ""]]
    header = ["客户编码", "到账日期", "金额", "凭证号"]
    bad = fin.post(
        "/trade/import/",
        {"kind": "payments", "commit": "on", "file": upload(header, payments, "回款.xlsx")},
    )
    assert "必填" in bad.content.decode() and not Payment.objects.exists()  # the reference
    payments[1][3] = "回单-002"
    fin.post(
        "/trade/import/",
        {"kind": "payments", "commit": "on", "file": upload(header, payments, "回款.xlsx")},
    )
    again = fin.post(
        "/trade/import/",
        {"kind": "payments", "commit": "on", "file": upload(header, payments, "回款.xlsx")},
    )
    assert "回单-001" in again.content.decode() and Payment.objects.count() == 2
    settled = dict(Invoice.objects.values_list("number", "paid_on"))
    assert str(settled["FP-1"]) == "2026-03-20" and str(settled["FP-2"]) == "2026-05-01"
    # A salesperson may import contracts but not money.
    denied = company.client("alice").post(
        "/trade/import/",
        {"kind": "payments", "commit": "on", "file": upload(header, payments, "回款.xlsx")},
    )
    assert "没有录入该类台账的权限" in denied.content.decode()


def test_grd_5_the_import_page_offers_only_what_the_user_may_import(company: Company) -> None:
    """Issue 13 item 20: finance opened the page and was told off before doing anything."""
    page = company.client("fin").get("/trade/import/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "您没有录入该类台账的权限" not in text
    assert 'value="orders"' not in text
    assert 'value="invoices"' in text and 'value="payments"' in text
    assert "?kind=invoices" in text and "?kind=payments" in text
    sales = company.client("alice").get("/trade/import/").content.decode()
    assert 'value="orders"' in sales and 'value="invoices"' not in sales


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        ("invoices", ["单据编号", "客户编码", "合同编号", "开票日期", "应收日期", "金额"]),
        ("payments", ["客户编码", "到账日期", "金额", "凭证号"]),
    ],
)
def test_grd_5_invoices_and_payments_have_import_templates(
    company: Company, kind: str, headers: list[str]
) -> None:
    import io

    from openpyxl import load_workbook

    response = company.client("fin").get(f"/trade/import/template.xlsx?kind={kind}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == headers
    assert (
        company.client("alice").get(f"/trade/import/template.xlsx?kind={kind}").status_code == 403
    )
