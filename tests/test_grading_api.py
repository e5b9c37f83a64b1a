"""The ledger and grading over /api/v1, with the access matrix of GRD-6 reviews."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from zhike.grading.models import Review, ReviewLine
from zhike.grading.reviews import review_compute

from .conftest import Company
from .factories import trade

JSON = "application/json"
ORDER = {
    "number": "HT-2026-001",
    "signed_on": "2026-03-01",
    "lines": [
        {
            "product": "一级大豆油",
            "category": "粮油",
            "quantity": "12.5",
            "unit": "吨",
            "price": "9000",
            "list_price": "8500",
        },
    ],
}


def test_grd_5_api_order_invoice_payment_and_figures(company: Company) -> None:
    customer = company.customers["A"]
    alice, fin = company.api("alice"), company.api("fin")
    created = alice.post("/api/v1/trade/orders", {**ORDER, "customer_id": customer.pk}, JSON)
    assert created.status_code == 201, created.json()
    assert created.json()["amount"] == "112500.00"
    invoice = fin.post(
        "/api/v1/trade/invoices",
        {
            "customer_id": customer.pk,
            "number": "FP-1",
            "issued_on": "2026-03-02",
            "amount": "112500",
            "order_id": created.json()["id"],
        },
        JSON,
    )
    assert invoice.status_code == 201, invoice.json()
    assert invoice.json()["due_on"] == "2026-04-01"  # 30 days by default
    paid = fin.post(
        "/api/v1/trade/payments",
        {"customer_id": customer.pk, "received_on": "2026-03-20", "amount": "112500"},
        JSON,
    )
    assert paid.status_code == 201
    figures = alice.get(f"/api/v1/trade/figures/{customer.pk}?end=2026-12-31").json()
    assert figures["contract_amount"] == "112500.00"
    assert figures["volume"] == "12.500"
    assert figures["on_time_ratio"] == "100.00"
    assert figures["price_premium"] == "5.88"


def test_grd_5_api_ledger_errors_in_chinese(company: Company) -> None:
    customer = company.customers["A"]
    alice = company.api("alice")
    bad = {**ORDER, "customer_id": customer.pk, "lines": []}
    assert alice.post("/api/v1/trade/orders", bad, JSON).status_code == 400
    # A salesperson may not enter payments; Bob does not see Alice's customer.
    payment = {"customer_id": customer.pk, "received_on": "2026-03-20", "amount": "1"}
    denied = alice.post("/api/v1/trade/payments", payment, JSON)
    assert denied.status_code == 403 and "权限" in denied.json()["message"]
    hidden = company.api("bob").post(
        "/api/v1/trade/orders", {**ORDER, "customer_id": customer.pk}, JSON
    )
    assert hidden.status_code == 404
    assert alice.get("/api/v1/trade/orders").json() == []


@override_settings(ZHIKE_POLICY="manufacturer")
def test_grd_2_api_grading_card_explains_the_score(company: Company) -> None:
    from zhike.policy.loader import active_policy

    active_policy.cache_clear()
    try:
        customer = company.customers["A"]
        trade(customer, on=date(2024, 1, 1), amount=1000)
        today = timezone.localdate()
        # Paid 30 days after signing, so nothing is owed today.
        signed = today - timedelta(days=60)
        trade(customer, on=signed, amount=6_000_000, list_price=5_000_000)
        rated = company.api("mgr").post(
            f"/api/v1/grading/customers/{customer.pk}/assessments",
            {"key": "influence", "value": "leader", "note": "省内龙头"},
            JSON,
        )
        assert rated.status_code == 201
        card = company.api("alice").get(f"/api/v1/grading/customers/{customer.pk}").json()
        indicators = {i["key"]: (i["band"], i["points"]) for i in card["score"]["indicators"]}
        assert indicators["influence"] == ("行业的龙头客户", "15")
        assert indicators["premium"][1] == "15"  # 20 % over list price
        assert card["score"]["computed_grade"] == "A"
        # Issue 13 item 30: the computed grade and the one in force are told apart.
        assert card["in_force"] is None and "standing" not in card
        assert card["score"]["note_label"] == ""  # a customer who trades: no lowest-grade note
        refused = company.api("alice").post(
            f"/api/v1/grading/customers/{customer.pk}/assessments",
            {"key": "influence", "value": "leader"},
            JSON,
        )
        assert refused.status_code == 403 and "指定角色" in refused.json()["message"]
        assert company.api("bob").get(f"/api/v1/grading/customers/{customer.pk}").status_code == 404
    finally:
        active_policy.cache_clear()


REVIEWERS = {"mgr", "vp", "gm", "crm"}


@pytest.mark.parametrize(
    "persona",
    ["alice", "sup", "mgr", "vp", "gm", "cs", "crm", "fin", "tech", "prod", "arch", "office"],
)
def test_grd_6_api_review_access_matrix(
    company: Company, persona: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = company.api(persona)
    started = client.post("/api/v1/grading/reviews", {"period_end": "2026-06-30"}, JSON)
    listing = client.get("/api/v1/grading/reviews")
    if persona not in REVIEWERS:
        assert started.status_code == 403
        assert listing.status_code == 403
        return
    assert started.status_code == 201, started.json()
    review_compute(review_id=started.json()["id"], now=timezone.now())
    lines = client.get(f"/api/v1/grading/reviews/{started.json()['id']}/lines").json()
    # Lines follow the data scope: the sales manager sees the marketing tree's customers
    # (Alice's, Bob's, Carol's) but not the unowned pool customer.
    expected = {"mgr": 3}.get(persona, 4)
    assert len(lines) == expected
    one = company.customers["A"].pk
    ReviewLine.objects.filter(customer_id=one).update(grade_note="new", tier_missed_quota="all")
    only = client.get(f"/api/v1/grading/reviews/{started.json()['id']}/lines?customer_id={one}")
    assert [line["customer_id"] for line in only.json()] == [one]  # issue 13 item 31
    (line,) = only.json()
    assert (line["grade_note"], line["grade_note_label"]) == ("new", "新客户首年")
    assert line["tier_missed_quota_label"] == "超出总量名额"
    assert Review.objects.get().state == Review.State.PROPOSED


def test_grd_7_8_9_10_over_the_api(company: Company, settings) -> None:  # type: ignore[no-untyped-def]
    from zhike.grading.models import Standing
    from zhike.policy.loader import active_policy

    settings.ZHIKE_POLICY = "wholesale-market"
    active_policy.cache_clear()
    try:
        customer = company.customers["A"]
        Standing.objects.create(customer=customer, tier="vip", since=timezone.now())
        alice, mgr, vp = company.api("alice"), company.api("mgr"), company.api("vp")
        base = f"/api/v1/grading/customers/{customer.pk}"
        # GRD-7: a problem on a VIP opens the 5-day downgrade deadline; the manager downgrades.
        problem = alice.post(
            f"{base}/problems", {"kind": "late_fees", "description": "租金逾期两个月"}, JSON
        )
        assert problem.status_code == 201 and problem.json()["deadline_due_at"]
        bad = mgr.post(f"{base}/downgrade", {"to": "vip", "reason": "x"}, JSON)
        assert bad.status_code == 400 and "更低的级别" in bad.json()["message"]
        done = mgr.post(f"{base}/downgrade", {"to": "preferred", "reason": "交费不及时"}, JSON)
        assert done.status_code == 200 and done.json()["new"] == "preferred"
        # Issue 13 item 31: the problems can be read back, resolved by the downgrade.
        (recorded,) = alice.get(f"{base}/problems").json()
        assert recorded["id"] == problem.json()["id"] and recorded["resolved_at"]
        outside = company.customers["B"].pk
        assert alice.get(f"/api/v1/grading/customers/{outside}/problems").status_code == 404
        # GRD-9: the checklist and one checked item.
        checked = company.api("sup").post(
            f"{base}/admission",
            {"key": "business_licence", "passed": True, "evidence": "原件已核"},
            JSON,
        )
        assert checked.status_code == 201
        status = alice.get(f"{base}/admission").json()
        assert status["required"] and not status["admitted"]
        assert [i["passed"] for i in status["items"] if i["key"] == "business_licence"] == [True]
        # GRD-8: proposal, verification by the vice president, scope on the list.
        entry = alice.post(
            "/api/v1/grading/blacklist", {"customer_id": customer.pk, "reason": "恶意拖欠"}, JSON
        )
        assert entry.status_code == 201
        entry_id = entry.json()["id"]
        assert (
            company.api("bob")
            .post(
                f"/api/v1/grading/blacklist/{entry_id}/verify",
                {"confirmed": True, "note": "x"},
                JSON,
            )
            .status_code
            == 404
        )
        verified = vp.post(
            f"/api/v1/grading/blacklist/{entry_id}/verify",
            {"confirmed": True, "note": "属实", "valid_months": 3},
            JSON,
        )
        assert verified.status_code == 200 and verified.json()["state"] == "submitted"
        # Issue 13 item 31: the answer names its approval, as a review's submit does.
        approval_id = verified.json()["approval_id"]
        assert entry.json()["approval_id"] is None  # none before the verification
        assert vp.get(f"/api/v1/approvals/{approval_id}").status_code == 200
        assert [e["id"] for e in alice.get("/api/v1/grading/blacklist").json()] == [entry_id]
        by_customer = alice.get(f"/api/v1/grading/blacklist?customer_id={customer.pk}").json()
        assert [e["approval_id"] for e in by_customer] == [approval_id]
        other = company.customers["B"].pk
        assert vp.get(f"/api/v1/grading/blacklist?customer_id={other}").json() == []
        assert company.api("bob").get("/api/v1/grading/blacklist").json() == []
        # GRD-10: the matrix of the policy.
        cells = alice.get("/api/v1/grading/treatment").json()
        assert cells[0]["label"] == "VIP客户" and cells[0]["revisit_every_months"] == 1
    finally:
        active_policy.cache_clear()


def test_grd_3_reason_codes_come_with_their_labels(company: Company) -> None:
    """Issue 13 item 30: "not_evaluated" or "category" alone meant nothing to a reader."""
    from django.utils import translation

    from zhike.grading.labels import note_label, quota_label

    assert note_label("no_trade") == "无交易" and note_label("") == ""
    assert quota_label("category") == "超出品种名额" and quota_label("all") == "超出总量名额"
    with translation.override("en"):
        assert note_label("new") == "New customer, first year"
        assert quota_label("all") == "overall quota full"
