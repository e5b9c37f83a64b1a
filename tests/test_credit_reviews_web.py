"""CRD-5 on the web and the API: who may open, read, adjust and submit the credit review,
for every persona; the lines each reader sees are its scope's; bad input is a 400."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import Company
from tests.test_analytics_web import PERSONAS
from tests.test_credit import eligible  # noqa: F401  (a fixture: A may have credit)
from tests.test_credit_reviews import NOW, POLICY, invoice
from zhike.credit import reviews
from zhike.credit.models import CreditReview, CreditReviewLine
from zhike.policy.loader import load_policy

RUNS = {"mgr", "vp", "gm", "admin"}  # 业务部经理 and the leadership
READS = RUNS | {"sup", "crm", "fin", "arch", "office"}  # and those told the results
LINES = {  # whose customers' lines each reader sees (A: alice, B: bob, E: carol)
    "mgr": {"A", "B", "E"},
    "sup": {"A"},
    "office": {"E"},
    "vp": {"A", "B", "E"},
    "gm": {"A", "B", "E"},
    "admin": {"A", "B", "E"},
    "crm": {"A", "B", "E"},
    "fin": {"A", "B", "E"},
    "arch": {"A", "B", "E"},
}


@pytest.fixture
def review(company: Company, monkeypatch: pytest.MonkeyPatch) -> CreditReview:
    monkeypatch.setattr("zhike.credit.review_api.active_policy", lambda: POLICY)
    monkeypatch.setattr("zhike.credit.review_views.active_policy", lambda: POLICY)
    for key in "ABE":
        invoice(company.customers[key], date(2026, 3, 5))
    review = reviews.credit_review_start(
        by=company.users["mgr"], policy=POLICY, period_end=date(2026, 6, 30), now=NOW
    )
    reviews.credit_review_compute(review_id=review.pk, policy=POLICY, now=NOW)
    review.refresh_from_db()
    return review


@pytest.mark.parametrize("persona", PERSONAS)
def test_crd_5_access_matrix_of_the_review_pages_and_api(
    company: Company, review: CreditReview, persona: str
) -> None:
    listing = company.client(persona).get("/credit/reviews/")
    page = company.client(persona).get(f"/credit/reviews/{review.pk}/")
    api = company.api(persona).get(f"/api/v1/credit/reviews/{review.pk}/lines")
    if persona not in READS:
        assert (listing.status_code, page.status_code, api.status_code) == (403, 403, 403)
        return
    assert (listing.status_code, page.status_code, api.status_code) == (200, 200, 200)
    seen = {row["customer_id"] for row in api.json()}
    assert seen == {company.customers[k].pk for k in LINES[persona]}
    body = {"rating": "B", "comment": "按协议付款,客户资信良好"}
    customer = company.customers["A"].pk
    adjusted = company.api(persona).post(
        f"/api/v1/credit/reviews/{review.pk}/lines/{customer}",
        body,
        content_type="application/json",
    )
    if persona in RUNS:
        assert adjusted.status_code == 200 and adjusted.json()["final"] == "B"
    else:
        assert adjusted.status_code == 403
        assert CreditReviewLine.objects.get(review=review, customer_id=customer).adjusted == ""


def test_crd_5_starting_twice_is_a_409_and_bad_input_a_400(
    company: Company, review: CreditReview
) -> None:
    again = company.api("mgr").post(
        "/api/v1/credit/reviews", {"period_end": "2026-12-31"}, content_type="application/json"
    )
    assert again.status_code == 409
    bad = company.api("mgr").post(
        "/api/v1/credit/reviews", {"period_end": "2026-13-01"}, content_type="application/json"
    )
    assert bad.status_code == 400
    customer = company.customers["A"].pk
    unknown = company.api("mgr").post(
        f"/api/v1/credit/reviews/{review.pk}/lines/{customer}",
        {"rating": "Z", "comment": "x"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "rating"
    missing = company.api("mgr").get("/api/v1/credit/reviews/987654/lines")
    assert missing.status_code == 404


def test_crd_5_the_form_adjusts_and_submits_on_the_web(
    company: Company, review: CreditReview
) -> None:
    client = company.client("mgr")
    customer = company.customers["B"].pk
    page = client.get(f"/credit/reviews/{review.pk}/")
    assert "客户升(降)级评审表" in page.content.decode()
    client.post(
        f"/credit/reviews/{review.pk}/", {"customer_id": customer, "rating": "C", "comment": ""}
    )
    line = CreditReviewLine.objects.get(review=review, customer_id=customer)
    assert line.adjusted == ""  # no reason: refused, nothing saved
    client.post(
        f"/credit/reviews/{review.pk}/",
        {"customer_id": customer, "rating": "C", "comment": "近期回款变慢"},
    )
    line.refresh_from_db()
    assert (line.final, line.comment) == ("C", "近期回款变慢")
    client.post(f"/credit/reviews/{review.pk}/", {"action": "submit"})
    review.refresh_from_db()
    assert review.state == "submitted"


def test_crd_2_the_360_summary_shows_credit_today_and_the_rating(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhike.credit.models import CreditRating

    monkeypatch.setattr("zhike.web.hub.active_policy", lambda: POLICY)
    customer = company.customers["A"]
    CreditRating.objects.create(customer=customer, rating="D", since=NOW)
    page = company.client("alice").get(f"/customers/{customer.pk}/summary/").content.decode()
    assert "授信额度 · D 信用较差" in page
    assert "信用等级为 信用较差,不授信" in page
    # customer service reads the customer but neither ships nor keeps the books: no credit
    other = company.client("cs").get(f"/customers/{customer.pk}/summary/")
    assert other.status_code == 200
    assert "授信额度" not in other.content.decode()
    assert (
        "授信额度"
        in company.client("fin").get(f"/customers/{customer.pk}/summary/").content.decode()
    )


def test_crd_3_the_over_limit_request_form_prints_with_its_signature(
    eligible: Company,  # noqa: F811  (the fixture imported above)
) -> None:
    from tests.test_credit import NOW as SHIP_NOW
    from tests.test_credit import POLICY as DEALER
    from tests.test_credit import ship
    from zhike.workflow.approvals import approval_act
    from zhike.workflow.models import ApprovalRequest

    company = eligible
    within = ship(company, "FH-1", "30000")
    over = ship(company, "FH-2", "9999.99")
    request = ApprovalRequest.objects.get(kind="credit_over_limit", object_id=over.pk)
    approval_act(
        request_id=request.pk,
        by=company.users["mgr"],
        action="approve",
        comment="同意,月底前回款",
        policy=DEALER,
        now=SHIP_NOW,
    )
    page = company.client("alice").get(f"/credit/shipments/{over.pk}/over-limit/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "超授信额发货申请表" in text and "FH-2" in text and "¥9,999.99" in text
    assert "区域经理签发" in text and "同意,月底前回款" in text and "33.3%" in text
    # a shipment within the limit has no such form; someone else's customer is not found
    assert (
        company.client("alice").get(f"/credit/shipments/{within.pk}/over-limit/").status_code == 404
    )
    assert company.client("bob").get(f"/credit/shipments/{over.pk}/over-limit/").status_code == 404


def test_crd_2_the_shipping_step_keeps_each_change_of_the_rating_with_its_reason(
    company: Company, review: CreditReview, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhike.workflow.approvals import approval_act
    from zhike.workflow.models import ApprovalRequest

    monkeypatch.setattr("zhike.credit.views.active_policy", lambda: POLICY)
    customer = company.customers["A"].pk
    reviews.credit_review_adjust(
        by=company.users["mgr"],
        review_id=review.pk,
        customer_id=customer,
        rating="B",
        comment="新客户,先按 B 级授信",
        policy=POLICY,
    )
    reviews.credit_review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=POLICY, now=NOW
    )
    request = ApprovalRequest.objects.get(kind="credit_review", object_id=review.pk)
    approval_act(
        request_id=request.pk,
        by=company.users["vp"],
        action="approve",
        comment="同意",
        policy=POLICY,
        now=NOW,
    )
    page = company.client("alice").get(f"/credit/customers/{customer}/ship/").content.decode()
    assert "信用等级记录" in page and "新客户,先按 B 级授信" in page
    assert "B 信用良好" in page and "按 100% 授信" in page
    assert POLICY.policy.version in page  # the policy version the review rated by


def test_crd_6_finance_records_a_bad_debt_on_the_web_and_sees_who_bears_it(
    eligible: Company,  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zhike.credit.models import BadDebt
    from zhike.trade.services import invoice_create

    monkeypatch.setattr("zhike.credit.views.active_policy", lambda: POLICY)
    company = eligible
    invoice_create(
        policy=load_policy("auto-dealer"),
        by=company.users["fin"],
        customer_id=company.customers["A"].pk,
        number="FP-BAD",
        issued_on=date(2026, 11, 1),
        amount=Decimal(1000),
        payment_days=30,
    )
    client = company.client("fin")
    client.post("/credit/bad-debts/", {"number": "FP-BAD", "amount": "1000", "reason": ""})
    assert not BadDebt.objects.exists()  # no reason: refused, nothing saved
    client.post("/credit/bad-debts/", {"number": "FP-NONE", "amount": "1000", "reason": "破产"})
    assert not BadDebt.objects.exists()
    client.post("/credit/bad-debts/", {"number": "FP-BAD", "amount": "1000", "reason": "客户破产"})
    assert BadDebt.objects.get().amount == 1000
    page = client.get("/credit/bad-debts/").content.decode()
    alice = str(company.users["alice"])
    assert "客户破产" in page and f"{alice} ¥100.00" in page  # the salesperson's 10 %
    assert company.client("alice").get("/credit/bad-debts/").status_code == 404
