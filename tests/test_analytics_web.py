"""ANA-3 on the web and the API: every persona opens its dashboard and every report it
may read (the others are a 403, an unknown one a 404), the xlsx holds the page's numbers,
bad filters are a 400 in the one error shape, targets are set by leaders only."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.base import ON_POSTGRESQL
from tests.concurrency import run_in_threads
from tests.conftest import Company
from tests.factories import trade
from zhike.analytics import rollup
from zhike.analytics.models import SalesTarget
from zhike.analytics.registry import REPORTS

PERSONAS = [
    "alice",
    "bob",
    "carol",
    "sup",
    "mgr",
    "vp",
    "gm",
    "cs",
    "crm",
    "fin",
    "tech",
    "prod",
    "arch",
    "office",
    "admin",
]
ROLE = {
    "alice": "sales",
    "bob": "sales",
    "carol": "sales",
    "tech": "sales",
    "prod": "sales",
    "sup": "manager",
    "mgr": "manager",
    "office": "manager",
}
# Who may read the reports that need more than the scope.
READS = {
    "complaints": {"sup", "mgr", "vp", "gm", "cs", "crm", "tech", "office", "admin"},
    "aging": {"sup", "mgr", "vp", "gm", "crm", "fin", "arch", "office", "admin"},
}


@pytest.fixture
def ledger(company: Company) -> Company:
    today = timezone.localdate()
    trade(company.customers["A"], on=today.replace(day=1), amount=1200, category="面粉")
    trade(company.customers["B"], on=today.replace(day=1), amount=800, category="大米")
    rollup.refresh(now=timezone.now())
    return company


@pytest.mark.parametrize("persona", PERSONAS)
def test_ana_3_every_persona_opens_its_dashboard(ledger: Company, persona: str) -> None:
    page = ledger.client(persona).get("/analytics/")
    assert page.status_code == 200
    assert b"echarts-6.1.0.min.js" in page.content and b"charts.js" in page.content
    answer = ledger.api(persona).get("/api/v1/analytics/dashboard")
    assert answer.status_code == 200
    assert answer.json()["role"] == ROLE.get(persona, "gm")
    # a wider dashboard than one's own is not offered: the narrower role is shown instead
    if ROLE.get(persona) == "sales":
        wider = ledger.api(persona).get("/api/v1/analytics/dashboard?view=gm").json()
        assert wider["role"] == "sales"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(REPORTS))
def test_ana_3_access_matrix_of_every_report(ledger: Company, persona: str, key: str) -> None:
    allowed = persona in READS.get(key, set(PERSONAS))
    page = ledger.client(persona).get(f"/analytics/{key}/")
    api = ledger.api(persona).get(f"/api/v1/analytics/reports/{key}")
    assert page.status_code == (200 if allowed else 403)
    assert api.status_code == (200 if allowed else 403)
    listed = {r["key"] for r in ledger.api(persona).get("/api/v1/analytics/reports").json()}
    assert (key in listed) == allowed


def test_ana_3_an_unknown_report_is_a_404(company: Company) -> None:
    assert company.client("gm").get("/analytics/nothing/").status_code == 404
    answer = company.api("gm").get("/api/v1/analytics/reports/nothing")
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_ana_3_the_scope_decides_the_figures_of_the_same_report(ledger: Company) -> None:
    def total(persona: str) -> str:
        rows = (
            ledger.api(persona).get("/api/v1/analytics/reports/structure?by=owner").json()["rows"]
        )
        return rows[-1][1]

    assert Decimal(total("alice")) == 1200
    assert Decimal(total("bob")) == 800
    assert Decimal(total("mgr")) == 2000
    assert Decimal(total("gm")) == 2000
    assert Decimal(total("tech")) == 0


def test_ana_3_xlsx_holds_the_numbers_of_the_page(ledger: Company) -> None:
    answer = ledger.api("gm").get("/api/v1/analytics/reports/structure?by=category").json()
    export = ledger.api("gm").get("/api/v1/analytics/reports/structure/xlsx?by=category")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = values.index(answer["columns"])
    table = values[header + 1 : header + 1 + len(answer["rows"])]
    assert [[row[0], Decimal(str(row[1]))] for row in table] == [
        [row[0], Decimal(row[1])] for row in answer["rows"]
    ]
    page = ledger.client("gm").get("/analytics/structure/?by=category&format=xlsx")
    assert page["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-13", "start"),
        ("start=2000-01&end=2026-01", "start"),
        ("grain=week", "grain"),
        ("by=colour", "by"),
        ("grade=Z", "grade"),
    ],
)
def test_ana_3_bad_filters_are_a_400_naming_the_field(
    company: Company, query: str, field: str
) -> None:
    answer = company.api("gm").get(f"/api/v1/analytics/reports/structure?{query}")
    assert answer.status_code == 400
    assert field in {e["field"].split(".")[-1] for e in answer.json()["errors"]} or field in str(
        answer.json()
    )
    page = company.client("gm").get(f"/analytics/structure/?{query}")
    assert page.status_code == 400
    assert "errors" in page.content.decode()


def test_ana_3_another_departments_figures_are_refused_not_shown(ledger: Company) -> None:
    sales2 = ledger.departments["sales2"].pk
    answer = ledger.api("alice").get(f"/api/v1/analytics/reports/structure?department={sales2}")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "department"
    assert "800" not in answer.content.decode()


def test_ana_3_targets_are_set_by_leaders_within_their_scope(company: Company) -> None:
    alice = company.users["alice"]
    body = {"owner_id": alice.pk, "month": "2026-03", "amount": "50000"}
    set_by_manager = company.api("mgr").put(
        "/api/v1/analytics/targets", body, content_type="application/json"
    )
    assert set_by_manager.status_code == 200
    assert SalesTarget.objects.get(owner=alice, month=date(2026, 3, 1)).amount == 50000
    again = dict(body, amount="60000")
    assert (
        company.api("sup")
        .put("/api/v1/analytics/targets", again, content_type="application/json")
        .status_code
        == 200
    )
    assert SalesTarget.objects.filter(owner=alice).count() == 1
    own = company.api("alice").put(
        "/api/v1/analytics/targets", again, content_type="application/json"
    )
    assert own.status_code == 403
    outside = dict(body, owner_id=company.users["fin"].pk)
    assert (
        company.api("mgr")
        .put("/api/v1/analytics/targets", outside, content_type="application/json")
        .status_code
        == 404
    )
    negative = dict(body, amount="-1")
    assert (
        company.api("mgr")
        .put("/api/v1/analytics/targets", negative, content_type="application/json")
        .status_code
        == 400
    )
    bad_month = dict(body, month="2026-13")
    assert (
        company.api("mgr")
        .put("/api/v1/analytics/targets", bad_month, content_type="application/json")
        .status_code
        == 400
    )
    assert SalesTarget.objects.get(owner=alice).amount == 60000  # nothing else changed it
    listed = company.api("alice").get("/api/v1/analytics/targets?month=2026-03").json()
    assert [t["amount"] for t in listed] == ["60000.00"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="parallel upserts need PostgreSQL")
def test_ana_3_twenty_managers_setting_one_target_at_once_leave_one_row() -> None:
    from tests.conftest import build_company
    from zhike.analytics.services import target_set

    company = build_company()
    errors = run_in_threads(
        20,
        lambda i: target_set(
            by=company.users["mgr"],
            owner_id=company.users["alice"].pk,
            month=date(2026, 3, 1),
            amount=Decimal(1000 + i),
        ),
    )
    assert errors == []
    assert SalesTarget.objects.filter(owner=company.users["alice"]).count() == 1


def test_ana_3_the_salespersons_dashboard_shows_the_month_against_the_target(
    ledger: Company,
) -> None:
    from zhike.analytics.services import target_set

    month = timezone.localdate().replace(day=1)
    target_set(
        by=ledger.users["mgr"], owner_id=ledger.users["alice"].pk, month=month, amount=Decimal(2400)
    )
    board = ledger.api("alice").get("/api/v1/analytics/dashboard").json()
    card = next(c for c in board["cards"] if c["key"] == "month")
    figures = {f["label"]: f["value"] for f in card["figures"]}
    assert Decimal(figures["本月合同金额"]) == 1200
    assert Decimal(figures["本月目标"]) == 2400
    assert Decimal(figures["完成率"]) == Decimal("50.0")
    status = next(c for c in board["cards"] if c["key"] == "status")
    assert status["figures"][0]["link"].startswith("/customers/?status=")


def test_ana_3_anonymous_readers_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/analytics/").status_code == 302
    assert client.get("/api/v1/analytics/dashboard").status_code == 401
