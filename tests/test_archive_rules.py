"""ARC-1, ARC-4 and ARC-9 by name (issue 13 item 26): the rules were built, their tests
were not named after them."""

import pytest

from zhike.archive.models import Customer, CustomerType, SourceChannel
from zhike.audit.models import Event

from .conftest import Company

JSON = "application/json"


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("enterprise", "企业客户"),
        ("individual", "个人客户"),
        ("channel", "渠道伙伴"),
        ("special", "特殊客户(律师、银行、保险、广告等)"),
        ("internal", "内部部门"),
    ],
)
def test_arc_1_every_customer_type_of_the_seeds_is_recorded_and_shown(
    company: Company, kind: str, label: str
) -> None:
    created = company.api("alice").post(
        "/api/v1/customers", {"name": f"类型{kind}", "customer_type": kind}, content_type=JSON
    )
    assert created.status_code == 201
    customer = Customer.objects.get(pk=created.json()["id"])
    assert customer.customer_type == kind
    assert str(CustomerType(kind).label) == label
    page = company.client("alice").get(f"/customers/{customer.pk}/")
    assert label in page.text


def test_arc_1_an_unknown_type_is_refused(company: Company) -> None:
    response = company.api("alice").post(
        "/api/v1/customers", {"name": "类型未知", "customer_type": "alien"}, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "customer_type"


def test_arc_4_source_channels_of_the_seed_and_the_referrer(company: Company) -> None:
    assert set(SourceChannel.values) >= {
        "market_research",
        "visit",
        "negotiation",
        "exhibition",
        "website",
        "social_media",
        "referral",
    }
    created = company.api("alice").post(
        "/api/v1/customers",
        {"name": "推荐来的客户", "source": "referral", "referrer_name": "老客户王总"},
        content_type=JSON,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["source"], body["referrer_name"]) == ("referral", "老客户王总")
    listed = company.api("alice").get("/api/v1/customers", {"source": "referral"}).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_arc_9_every_change_records_who_when_the_old_and_the_new_value(
    company: Company,
) -> None:
    customer = company.customers["A"]
    api = company.api("alice")
    api.patch(
        f"/api/v1/customers/{customer.pk}",
        {"industry": "机械制造", "city": "石家庄市"},
        content_type=JSON,
    )
    api.patch(f"/api/v1/customers/{customer.pk}", {"industry": "食品"}, content_type=JSON)
    events = list(
        Event.objects.filter(action="customer.updated", object_id=customer.pk).order_by("id")
    )
    assert [e.details["changes"] for e in events] == [
        # The city names its province (GB/T 2260: only 河北省 has a 石家庄市).
        {"industry": ["", "机械制造"], "city": ["", "石家庄市"], "province": ["", "河北省"]},
        {"industry": ["机械制造", "食品"]},
    ]
    assert all(e.actor == company.users["alice"] and e.created_at for e in events)
    page = company.client("alice").get(f"/customers/{customer.pk}/?tab=history")
    assert "机械制造" in page.text and "食品" in page.text
