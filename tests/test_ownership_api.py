"""/api/v1/ownership as a matrix (issue 14 item 12): every role, claims and reads, inside
and outside the data scope; refusals in the one error shape naming their rule."""

import pytest

from zhike.archive.models import OwnershipChange

from .conftest import Company
from .test_scope_matrix import CUSTOMERS, PERSONAS, VISIBLE

CLAIMERS = {"alice", "bob", "carol", "sup", "mgr", "office", "admin"}
ASSIGNERS = {"sup", "mgr", "vp", "gm", "crm", "office", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_own_4_claim_from_the_pool_by_role(company: Company, persona: str) -> None:
    pool_customer = company.customers["P"]
    response = company.api(persona).post(
        "/api/v1/ownership/claims",
        {"customer_id": pool_customer.pk},
        content_type="application/json",
    )
    pool_customer.refresh_from_db()
    if persona in CLAIMERS:
        assert response.status_code == 201, response.json()
        assert response.json()["owner_id"] == company.users[persona].pk
        assert pool_customer.owner == company.users[persona]
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert pool_customer.owner is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_own_4_the_pool_list_by_role(company: Company, persona: str) -> None:
    response = company.api(persona).get("/api/v1/ownership/pool")
    if persona in CLAIMERS | ASSIGNERS:
        assert response.status_code == 200
        rows = response.json()
        assert [r["id"] for r in rows] == [company.customers["P"].pk]
        assert "*" in rows[0]["phone"]  # masked, as everywhere
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("customer", CUSTOMERS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_own_8_history_inside_200_outside_404(
    company: Company, persona: str, customer: str
) -> None:
    target = company.customers[customer]
    OwnershipChange.objects.create(customer=target, kind="registered", to_user=target.owner)
    response = company.api(persona).get(f"/api/v1/ownership/customers/{target.pk}/history")
    if customer in VISIBLE[persona]:
        assert response.status_code == 200
        assert response.json()[0]["kind_label"] == "登记"
    else:
        assert response.status_code == 404


def test_own_4_a_refusal_names_its_rule(company: Company) -> None:
    api = company.api("sup")
    response = api.post(
        "/api/v1/ownership/claims",
        {"customer_id": company.customers["A"].pk},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["message"] == "该客户已被领取"
    assert body["errors"] == [{"field": "ownership.claim", "message": "该客户已被领取"}]
    assert "甲方" not in response.content.decode()

    outside = company.api("bob").post(
        "/api/v1/ownership/claims",
        {"customer_id": company.customers["A"].pk},
        content_type="application/json",
    )
    assert outside.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_own_8_assign_from_the_pool_by_role(company: Company, persona: str) -> None:
    user = company.users[persona]
    response = company.api(persona).post(
        "/api/v1/ownership/assignments",
        {"customer_ids": [company.customers["P"].pk], "to_user_id": user.pk, "reason": "分配"},
        content_type="application/json",
    )
    if persona not in ASSIGNERS:
        assert response.status_code == 403
    elif persona in CLAIMERS:
        assert response.status_code == 201, response.json()
        assert response.json() == {"count": 1}
    else:  # the GM may assign, but not to itself: it does not serve customers
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "ownership.assign.to_user"


def test_own_1_mine_lists_days_left(company: Company) -> None:
    response = company.api("alice").get("/api/v1/ownership/mine")
    assert response.status_code == 200
    rows = response.json()
    assert [r["customer_id"] for r in rows] == [company.customers["A"].pk]
    assert rows[0]["days_left"] is None  # the general preset does not release by contact


def test_own_1_release_and_lock_through_the_api(company: Company) -> None:
    api = company.api("alice")
    customer = company.customers["A"]
    locked = api.post(
        "/api/v1/ownership/locks",
        {"customer_id": customer.pk, "reason": "重点"},
        content_type="application/json",
    )
    assert locked.status_code == 201
    again = api.post(
        "/api/v1/ownership/locks",
        {"customer_id": customer.pk, "reason": "重点"},
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "ownership.lock"
    assert api.delete(f"/api/v1/ownership/locks/{customer.pk}").status_code == 204
    released = api.post(
        "/api/v1/ownership/releases",
        {"customer_id": customer.pk, "reason": "客户已转行"},
        content_type="application/json",
    )
    assert released.status_code == 201 and released.json()["pool"] == "public"
    empty = api.post(
        "/api/v1/ownership/releases",
        {"customer_id": customer.pk, "reason": ""},
        content_type="application/json",
    )
    assert empty.status_code in (400, 404)
