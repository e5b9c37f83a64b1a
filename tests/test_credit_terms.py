"""Issue 16 item 3 (s004: 主管副总经理负责审批超过信用范围旳特殊协议): a limit above the
formula's for one customer until a day, asked for with a reason, in force once the vice
president approves it — and only then, and only until its day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.base import ON_POSTGRESQL, also_in_a_real_transaction
from tests.concurrency import run_in_threads
from tests.conftest import Company
from tests.test_credit import NOW, POLICY, SHIP_ON, eligible, ship  # noqa: F401  (fixture)
from zhike.credit import selectors, terms
from zhike.credit.errors import CreditError
from zhike.credit.models import SpecialTerms
from zhike.errors import Conflict, PermissionDenied
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest


def ask(company: Company, persona: str = "alice", **changes):  # type: ignore[no-untyped-def]
    values = {
        "limit": Decimal("80000"),
        "valid_until": SHIP_ON + timedelta(days=40),
        "reason": "旺季备货,客户回款记录良好",
    } | changes
    return terms.terms_request(
        by=company.users[persona],
        customer_id=company.customers["A"].pk,
        policy=POLICY,
        now=NOW,
        **values,
    )


def decide(company: Company, special: SpecialTerms, action: str) -> None:
    request = ApprovalRequest.objects.get(kind="credit_terms", object_id=special.pk)
    approval_act(
        request_id=request.pk,
        by=company.users["vp"],
        action=action,
        comment="按制度办理",
        policy=POLICY,
        now=NOW,
    )


def test_crd_2_special_terms_raise_the_limit_once_approved_and_until_their_day(
    eligible: Company,  # noqa: F811
) -> None:
    customer = eligible.customers["A"].pk
    assert selectors.limit_on(customer, SHIP_ON, grade="", policy=POLICY.credit) == 30000
    special = ask(eligible)
    request = ApprovalRequest.objects.get(kind="credit_terms", object_id=special.pk)
    assert list(request.steps.get().candidates.values_list("username", flat=True)) == ["vp"]
    # waiting for the vice president: the formula's limit still holds, a big shipment waits
    assert selectors.limit_on(customer, SHIP_ON, grade="", policy=POLICY.credit) == 30000
    decide(eligible, special, "approve")
    assert selectors.limit_on(customer, SHIP_ON, grade="", policy=POLICY.credit) == 80000
    shipped = ship(eligible, "FH-BIG", "70000")
    assert (shipped.state, shipped.outcome) == ("shipped", "within")
    after = special.valid_until + timedelta(days=1)
    assert selectors.limit_on(customer, after, grade="", policy=POLICY.credit) < 80000
    # reproducible: the day before the approval it was not in force
    assert (
        selectors.limit_on(customer, SHIP_ON - timedelta(days=1), grade="", policy=POLICY.credit)
        < 80000
    )


def test_crd_2_refused_terms_change_nothing(eligible: Company) -> None:  # noqa: F811
    special = ask(eligible)
    decide(eligible, special, "reject")
    special.refresh_from_db()
    assert special.state == "rejected"
    assert (
        selectors.limit_on(eligible.customers["A"].pk, SHIP_ON, grade="", policy=POLICY.credit)
        == 30000
    )


def test_crd_2_bad_requests_are_refused_with_their_fields(eligible: Company) -> None:  # noqa: F811
    with pytest.raises(CreditError) as caught:
        ask(eligible, limit=Decimal(0), valid_until=date(2020, 1, 1), reason=" ")
    assert {field for field, _m in caught.value.errors} == {"limit", "valid_until", "reason"}
    with pytest.raises(PermissionDenied):
        ask(eligible, persona="cs")
    ask(eligible)
    with pytest.raises(Conflict):  # one waiting per customer
        ask(eligible)
    assert SpecialTerms.objects.count() == 1


def test_crd_2_terms_on_the_web(eligible: Company, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr("zhike.credit.views.active_policy", lambda: POLICY)
    customer = eligible.customers["A"].pk
    client = eligible.client("alice")
    client.post(
        f"/credit/customers/{customer}/ship/",
        {
            "action": "terms",
            "limit": "80000",
            "valid_until": (SHIP_ON + timedelta(days=40)).isoformat(),
            "reason": "",
        },
    )
    assert not SpecialTerms.objects.exists()
    client.post(
        f"/credit/customers/{customer}/ship/",
        {"action": "terms", "limit": "80000", "valid_until": "2099-01-01", "reason": "年底大单"},
    )
    page = client.get(f"/credit/customers/{customer}/ship/").content.decode()
    assert "年底大单" in page and "审批中" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="parallel requests need PostgreSQL")
def test_crd_2_twenty_requests_at_once_leave_one_waiting() -> None:
    from tests.conftest import build_company

    company = build_company()
    errors = run_in_threads(20, lambda i: ask(company))
    assert SpecialTerms.objects.count() == 1
    assert len(errors) == 19 and all(isinstance(e, Conflict) for e in errors)


also_in_a_real_transaction(
    globals(), test_crd_2_special_terms_raise_the_limit_once_approved_and_until_their_day
)
