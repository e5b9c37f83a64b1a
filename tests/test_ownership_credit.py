"""OWN-2 (s000 销售部 2, 4): a deal closed by another salesperson while the owner holds the
confirmation right is credited to the owner; ARC-8: a relative's deal to the relatives'
owner; just outside the period (the customer lapsed) the closer is credited."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from zhike.archive.models import Relation
from zhike.ownership.sweep import sweep_lapses
from zhike.policy.loader import load_policy
from zhike.trade.services import LineInput, order_create

from .conftest import Company

REAL_ESTATE = load_policy("real-estate")
ONE_UNIT = [
    LineInput(
        product="3-1201", category="住宅", quantity=Decimal(1), unit="套", price=Decimal(1_200_000)
    )
]


def deal(company: Company, closer: str, customer_key: str, number: str):  # type: ignore[no-untyped-def]
    return order_create(
        by=company.users[closer],
        customer_id=company.customers[customer_key].pk,
        number=number,
        signed_on=timezone.localdate(),
        lines=ONE_UNIT,
        policy=REAL_ESTATE,
    )


def test_own_2_a_deal_closed_by_another_inside_the_period_is_the_owners(
    company: Company,
) -> None:
    # The supervisor stands in for alice (休假) and signs her customer: alice's deal.
    order = deal(company, "sup", "A", "HT-OWN2-1")
    assert order.created_by == company.users["sup"]
    assert order.credited_to == company.users["alice"]
    assert "确认权" in order.credit_reason


def test_own_2_the_owner_closing_is_credited_without_a_reason(company: Company) -> None:
    order = deal(company, "alice", "A", "HT-OWN2-2")
    assert (order.credited_to, order.credit_reason) == (company.users["alice"], "")


def test_own_2_just_outside_the_period_the_closer_is_credited(company: Company) -> None:
    customer = company.customers["A"]
    now = timezone.now()
    customer.owned_since = now - timedelta(days=30)
    customer.last_contact_at = now - timedelta(days=7, minutes=1)  # one minute past 7 days
    customer.save()
    sweep_lapses(policy=REAL_ESTATE, now=now)
    customer.refresh_from_db()
    assert customer.owner is None
    order = deal(company, "sup", "A", "HT-OWN2-3")  # sup sees it: its department
    assert (order.credited_to, order.credit_reason) == (company.users["sup"], "")


def test_arc_8_a_deal_in_a_relatives_name_is_the_relatives_owner(company: Company) -> None:
    # bob's customer B; its spouse was registered later by the supervisor's team as A.
    Relation.objects.create(
        customer=company.customers["A"], relative=company.customers["B"], kind="spouse"
    )
    Relation.objects.create(
        customer=company.customers["B"], relative=company.customers["A"], kind="spouse"
    )
    company.customers["B"].created_at = company.customers["A"].created_at - timedelta(days=1)
    company.customers["B"].save()
    order = deal(company, "alice", "A", "HT-ARC8")
    assert order.credited_to == company.users["bob"]
    assert "直系亲属" in order.credit_reason


def test_own_2_the_api_shows_the_credit(company: Company) -> None:
    order = deal(company, "sup", "A", "HT-OWN2-4")
    response = company.api("sup").get(f"/api/v1/trade/orders?customer_id={order.customer_id}")
    assert response.status_code == 200
    row = response.json()[0]
    assert row["credited_to_id"] == company.users["alice"].pk and row["credit_reason"]
