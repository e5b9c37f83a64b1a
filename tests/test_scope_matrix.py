"""ORG-2: every role × every customer endpoint × inside/outside its data scope.

Expected visibility, by the personas in conftest (A: alice/sales1, B: bob/sales2,
E: carol/east, P: unowned pool customer without department):
"""

import pytest
from django.utils import timezone

from zhike.org.models import User
from zhike.policy.loader import load_policy

from .conftest import Company

ALL = {"A", "B", "E", "P"}
VISIBLE: dict[str, set[str]] = {
    "alice": {"A"},  # salesperson: own
    "sup": {"A"},  # supervisor: own department (sales1)
    "mgr": {"A", "B", "E"},  # sales manager in marketing: department and below
    "office": {"E"},  # office director of east: department and below
    "tech": set(),  # technical: own (owns none)
    "prod": set(),  # production: own (owns none)
    "vp": ALL,
    "gm": ALL,
    "cs": ALL,
    "crm": ALL,
    "fin": ALL,
    "arch": ALL,
    "admin": ALL,
}
CAN_CHANGE = {"alice", "sup", "mgr", "office", "vp", "gm", "crm", "arch", "admin"}
PERSONAS = sorted(VISIBLE)
CUSTOMERS = sorted(ALL)


@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_list_shows_exactly_the_scope(company: Company, persona: str) -> None:
    response = company.api(persona).get("/api/v1/customers?limit=200")
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {company.customers[k].pk for k in VISIBLE[persona]}
    assert response.json()["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_count_matches_the_scope(company: Company, persona: str) -> None:
    response = company.api(persona).get("/api/v1/customers/count")
    assert response.status_code == 200
    assert response.json() == {"count": len(VISIBLE[persona])}


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_detail_inside_200_outside_404(company: Company, persona: str, customer: str) -> None:
    target = company.customers[customer]
    response = company.api(persona).get(f"/api/v1/customers/{target.pk}")
    if customer in VISIBLE[persona]:
        assert response.status_code == 200
        assert response.json()["code"] == target.code
    else:
        # Same answer as for a customer that does not exist: no existence leak.
        assert response.status_code == 404
        missing = company.api(persona).get("/api/v1/customers/987654321")
        assert response.json() == missing.json()


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_update_only_inside_scope(company: Company, persona: str, customer: str) -> None:
    target = company.customers[customer]
    response = company.api(persona).patch(
        f"/api/v1/customers/{target.pk}", {"name": "改名后的客户"}, content_type="application/json"
    )
    target.refresh_from_db()
    if customer not in VISIBLE[persona]:
        assert response.status_code == 404
        assert target.name != "改名后的客户"
    elif persona not in CAN_CHANGE:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert target.name != "改名后的客户"
    else:
        assert response.status_code == 200
        assert target.name == "改名后的客户"


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_search_finds_only_inside_scope(
    company: Company, persona: str, customer: str
) -> None:
    target = company.customers[customer]
    fragment = target.name[2:5]
    for query in (fragment, target.phone[-4:], target.code):
        response = company.api(persona).get("/api/v1/customers", {"q": query})
        ids = {item["id"] for item in response.json()["items"]}
        assert (target.pk in ids) == (customer in VISIBLE[persona]), query


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_web_pages_follow_the_scope(company: Company, persona: str, customer: str) -> None:
    client = company.client(persona)
    target = company.customers[customer]
    listing = client.get("/customers/")
    assert listing.status_code == 200
    assert (target.code in listing.text) == (customer in VISIBLE[persona])
    detail = client.get(f"/customers/{target.pk}/")
    assert detail.status_code == (200 if customer in VISIBLE[persona] else 404)
    edit = client.get(f"/customers/{target.pk}/edit/")
    assert edit.status_code == (200 if customer in VISIBLE[persona] else 404)


def test_org_2_two_roles_see_the_union(company: Company) -> None:
    # A technician (own scope) who also supervises sales2 (department scope).
    from zhike.org.models import Role

    tech = company.users["tech"]
    tech.roles.add(Role.objects.get(code="supervisor"))
    tech.department = company.departments["sales2"]
    tech.save()
    mine = company.customers["A"]
    mine.owner = tech
    mine.save()
    response = company.api("tech").get("/api/v1/customers")
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {company.customers["A"].pk, company.customers["B"].pk}


def test_org_2_inactive_user_sees_nothing(company: Company) -> None:
    from zhike.archive.selectors import customers_for

    user = company.users["gm"]
    user.is_active = False
    assert customers_for(user).count() == 0


def test_org_2_a_deactivated_users_session_signs_it_out(company: Company) -> None:
    client = company.client("gm")
    assert client.get("/customers/").status_code == 200
    User.objects.filter(pk=company.users["gm"].pk).update(is_active=False)
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_org_2_unauthenticated_api_is_401(company: Company) -> None:
    from django.test import Client

    response = Client().get("/api/v1/customers")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "errors"}


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("part", ["contacts", "follow-ups"])
def test_org_2_contacts_and_timeline_follow_the_scope(
    company: Company, persona: str, customer: str, part: str
) -> None:
    target = company.customers[customer]
    url = {
        "contacts": f"/api/v1/customers/{target.pk}/contacts",
        "follow-ups": f"/api/v1/follow-ups?customer_id={target.pk}",
    }[part]
    response = company.api(persona).get(url)
    assert response.status_code == (200 if customer in VISIBLE[persona] else 404)


# Writes beside the record itself (issue 13 item 5: service agents and finance could record
# follow-ups and propose blacklistings): who may do each, on the customers they can see.
FOLLOW_UP = CAN_CHANGE
PROPOSE_BLACKLIST = CAN_CHANGE
WRITES = {
    "follow-ups": (FOLLOW_UP, {"kind": "call", "content": "电话回访客户"}),
    "contacts": (CAN_CHANGE, {"name": "王经理", "phone": "13912345678"}),
}


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("part", sorted(WRITES))
def test_org_2_writes_need_the_right_and_the_scope(
    company: Company, persona: str, customer: str, part: str
) -> None:
    from zhike.archive.models import Contact
    from zhike.engagement.models import FollowUp

    allowed, body = WRITES[part]
    target = company.customers[customer]
    model = FollowUp if part == "follow-ups" else Contact
    url, body = (
        ("/api/v1/follow-ups", {**body, "customer_id": target.pk})
        if part == "follow-ups"
        else (f"/api/v1/customers/{target.pk}/contacts", body)
    )
    response = company.api(persona).post(url, body, content_type="application/json")
    target.refresh_from_db()
    if customer not in VISIBLE[persona]:
        assert response.status_code == 404
    elif persona not in allowed:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    else:
        assert response.status_code == 201
    written = model.objects.filter(customer=target).exists()
    assert written == (customer in VISIBLE[persona] and persona in allowed)
    if part == "follow-ups":
        assert (target.last_contact_at is not None) == written


@pytest.mark.parametrize("customer", ["A", "B"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_grd_8_only_roles_with_the_right_propose_a_blacklisting(
    company: Company, persona: str, customer: str
) -> None:
    from zhike.grading.models import BlacklistEntry

    target = company.customers[customer]
    response = company.api(persona).post(
        "/api/v1/grading/blacklist",
        {"customer_id": target.pk, "reason": "拖欠货款"},
        content_type="application/json",
    )
    if customer not in VISIBLE[persona]:
        assert response.status_code == 404
    elif persona not in PROPOSE_BLACKLIST:
        assert response.status_code == 403
    else:
        assert response.status_code == 201
    proposed = BlacklistEntry.objects.filter(customer=target).exists()
    assert proposed == (customer in VISIBLE[persona] and persona in PROPOSE_BLACKLIST)


@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_the_timeline_form_shows_only_to_who_may_record(
    company: Company, persona: str
) -> None:
    target = company.customers["A"]
    if "A" not in VISIBLE[persona]:
        return
    page = company.client(persona).get(f"/customers/{target.pk}/follow-ups/")
    assert page.status_code == 200
    assert ('name="content"' in page.text) == (persona in FOLLOW_UP)
    # ... and a post without the right saves nothing.
    company.client(persona).post(
        f"/customers/{target.pk}/follow-ups/", {"kind": "call", "content": "电话回访客户"}
    )
    assert target.follow_ups.exists() == (persona in FOLLOW_UP)


@pytest.mark.parametrize("persona", PERSONAS)
def test_org_2_follow_up_pages_outside_the_scope_are_not_found(
    company: Company, persona: str
) -> None:
    from zhike.engagement.services import follow_up_record

    target = company.customers["A"]
    visit = follow_up_record(
        by=company.users["alice"],
        customer_id=target.pk,
        kind="visit",
        content="上门拜访,介绍新品",
        now=timezone.now(),
        policy=load_policy("general"),
    )
    client, api = company.client(persona), company.api(persona)
    visible = "A" in VISIBLE[persona]
    assert client.get(f"/customers/{target.pk}/follow-ups/").status_code == (
        200 if visible else 404
    )
    assert client.get(f"/follow-ups/{visit.pk}/").status_code == (200 if visible else 404)
    assert api.get(f"/api/v1/follow-ups/{visit.pk}").status_code == (200 if visible else 404)
    report = api.post(
        f"/api/v1/follow-ups/{visit.pk}/report", {"summary": "别人的拜访"}, "application/json"
    )
    # Only the visit's own author reports it: everyone else is refused or told it is missing.
    assert report.status_code == (201 if persona == "alice" else 403 if visible else 404)
