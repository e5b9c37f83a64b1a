"""Credit over HTTP and on the pages (CRD-2…CRD-4): credit today, the check before the
shipment, the aging table in and out of scope with its xlsx (issue 16)."""

import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from zhike.credit.aging import aging
from zhike.credit.models import Shipment
from zhike.policy.loader import active_policy, load_policy
from zhike.trade.services import LineInput, invoice_create, order_create

from .conftest import PERSONAS, Company

POLICY = load_policy("auto-dealer")


@pytest.fixture(autouse=True)
def credit_policy(settings: Any) -> Iterator[None]:
    """The company runs s003-12's credit (the auto-dealer preset) in these tests."""
    settings.ZHIKE_POLICY = "auto-dealer"
    active_policy.cache_clear()
    yield
    active_policy.cache_clear()


@pytest.fixture
def ledger(company: Company) -> Company:
    """Customer A: complete, a contract, three open invoices of 10,000 — not yet due, 10 and
    45 days overdue; the last issued 60 days ago, outside the 30-day window."""
    today = timezone.localdate()
    customer = company.customers["A"]
    customer.address, customer.uscc = "北京市海淀区", "91110108MA01AAAA0X"
    customer.save(update_fields=["address", "uscc"])
    order_create(
        by=company.users["alice"],
        customer_id=customer.pk,
        number="HT-1",
        signed_on=today - timedelta(days=60),
        policy=POLICY,
        lines=[LineInput("轿车", "整车", Decimal(1), "台", Decimal("50000"))],
    )
    for number, days_ago, due_in in [("FP-1", 5, 25), ("FP-2", 20, -10), ("FP-3", 60, -45)]:
        issued = today - timedelta(days=days_ago)
        invoice_create(
            policy=POLICY,
            by=company.users["fin"],
            customer_id=customer.pk,
            number=number,
            issued_on=issued,
            amount=Decimal("10000"),
            due_on=today + timedelta(days=due_in),
        )
    invoice_create(
        policy=POLICY,
        by=company.users["fin"],
        customer_id=company.customers["B"].pk,
        number="FP-B",
        issued_on=today - timedelta(days=200),
        amount=Decimal("500"),
        due_on=today - timedelta(days=100),
    )
    return company


def test_crd_2_api_credit_today_with_its_buckets(ledger: Company) -> None:
    customer = ledger.customers["A"]
    body = ledger.api("alice").get(f"/api/v1/credit/customers/{customer.pk}").json()
    assert Decimal(body["limit"]) == Decimal("20000")  # FP-1 and FP-2: the last 30 days
    assert Decimal(body["exposure"]["receivables"]) == Decimal("30000")
    assert Decimal(body["headroom"]) == Decimal("-10000") and body["missing"] == []
    assert ledger.api("bob").get(f"/api/v1/credit/customers/{customer.pk}").status_code == 404


def test_crd_3_api_checks_then_makes_out_the_shipment(ledger: Company) -> None:
    client, customer = ledger.api("alice"), ledger.customers["A"]
    preview = client.post(
        "/api/v1/credit/checks",
        {"customer_id": customer.pk, "amount": "5000"},
        content_type="application/json",
    )
    assert preview.status_code == 200 and preview.json()["verdict"] == "approval"
    assert Shipment.objects.count() == 0  # a check writes nothing
    made = client.post(
        "/api/v1/credit/shipments",
        {"customer_id": customer.pk, "amount": "5000", "number": "FH-1"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["state"] == "pending"
    refused = client.post(
        "/api/v1/credit/shipments",
        {"customer_id": customer.pk, "amount": "20000", "number": "FH-2"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "credit"
    zero = client.post(
        "/api/v1/credit/shipments",
        {"customer_id": customer.pk, "amount": "0", "number": "FH-3"},
        content_type="application/json",
    )
    assert zero.status_code == 400


def test_crd_4_the_aging_table_buckets_by_days_past_due(ledger: Company) -> None:
    table = aging(ledger.users["fin"], on=timezone.localdate(), by="customer", policy=POLICY)
    assert table.labels == [
        "未到期",
        "逾期 1–30 天",
        "逾期 31–60 天",
        "逾期 61–90 天",
        "逾期 90 天以上",
    ]
    rows = {r.name: r for r in table.rows}
    a = rows[ledger.customers["A"].name]
    assert a.total == Decimal("30000")
    assert a.buckets == [
        Decimal("10000"),
        Decimal("10000"),
        Decimal("10000"),
        Decimal(0),
        Decimal(0),
    ]
    assert rows[ledger.customers["B"].name].buckets[-1] == Decimal("500")
    # Scoped: alice sees her customer only.
    mine = aging(ledger.users["alice"], on=timezone.localdate(), by="customer", policy=POLICY)
    assert [r.name for r in mine.rows] == [ledger.customers["A"].name]
    by_owner = aging(ledger.users["fin"], on=timezone.localdate(), by="owner", policy=POLICY)
    assert {r.name for r in by_owner.rows} == {str(ledger.users["alice"]), str(ledger.users["bob"])}


def test_crd_4_the_aging_xlsx_carries_the_tables_numbers(ledger: Company) -> None:
    response = ledger.client("fin").get("/credit/aging/", {"format": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("名称", "应收合计", "未到期")
    line = next(r for r in rows if r[0] == ledger.customers["A"].name)
    assert Decimal(str(line[1])) == Decimal("30000")
    assert ledger.client("alice").get("/credit/aging/").status_code == 404


@pytest.mark.parametrize("persona", [*PERSONAS, "admin"])
def test_crd_4_aging_api_follows_each_readers_scope(ledger: Company, persona: str) -> None:
    response = ledger.api(persona).get("/api/v1/credit/aging")
    assert response.status_code == 200
    names = {r["name"] for r in response.json()["rows"]}
    sees_a = persona in {"alice", "sup", "mgr", "vp", "gm", "cs", "crm", "fin", "arch", "admin"}
    assert (ledger.customers["A"].name in names) == sees_a


def test_crd_3_the_shipping_step_shows_the_decision_before_the_shipment(ledger: Company) -> None:
    customer = ledger.customers["A"]
    url = f"/credit/customers/{customer.pk}/ship/"
    client = ledger.client("alice")
    page = client.get(url).content.decode()
    assert "今日授信额" in page and "20,000.00" in page
    checked = client.post(
        url, {"action": "check", "amount": "5000", "number": "FH-9"}
    ).content.decode()
    assert "首次超授信额发货,须区域经理签发" in checked and Shipment.objects.count() == 0
    made = client.post(
        url,
        {
            "action": "create",
            "amount": "5000",
            "number": "FH-9",
            "shipped_on": date.today().isoformat(),
        },
    )
    assert made.status_code == 302 and Shipment.objects.get().number == "FH-9"
    assert ledger.client("bob").get(url).status_code == 404
