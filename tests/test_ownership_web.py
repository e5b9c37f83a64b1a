"""The ownership pages (issue 14 item 12): each page for every role, and the web forms
that claim, release, lock, transfer and hand over — refusals shown, nothing changed."""

import pytest

from zhike.archive.models import Customer, OwnershipChange

from .conftest import Company
from .test_ownership_api import ASSIGNERS, CLAIMERS
from .test_scope_matrix import PERSONAS, VISIBLE

ALLOWED = {"/ownership/pool/": CLAIMERS | ASSIGNERS, "/ownership/reassign/": ASSIGNERS}
PAGES = ["/ownership/pool/", "/ownership/mine/", "/ownership/history/", "/ownership/reassign/"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_own_12_every_page_for_every_role(company: Company, persona: str) -> None:
    client = company.client(persona)
    for path in PAGES:
        response = client.get(path)
        allowed = ALLOWED.get(path)
        expected = 200 if allowed is None or persona in allowed else 403
        assert response.status_code == expected, (path, response.status_code)
    for key, customer in company.customers.items():
        response = client.get(f"/ownership/customers/{customer.pk}/")
        assert response.status_code == (200 if key in VISIBLE[persona] else 404)


def test_own_4_claim_from_the_pool_page(company: Company) -> None:
    client = company.client("alice")
    page = client.get("/ownership/pool/")
    assert "公海派客户" in page.content.decode() and "领取" in page.content.decode()
    pool_customer = company.customers["P"]
    response = client.post(f"/ownership/pool/{pool_customer.pk}/claim/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{pool_customer.pk}/"
    pool_customer.refresh_from_db()
    assert pool_customer.owner == company.users["alice"]
    again = company.client("bob").post(f"/ownership/pool/{pool_customer.pk}/claim/", follow=True)
    assert "该客户已被领取" in again.content.decode()


def test_own_8_release_lock_and_transfer_on_the_customer_page(company: Company) -> None:
    customer = company.customers["A"]
    path = f"/ownership/customers/{customer.pk}/"
    alice = company.client("alice")
    refused = alice.post(path, {"action": "lock", "reason": ""}, follow=True)
    assert "请填写锁定原因" in refused.content.decode()
    alice.post(path, {"action": "lock", "reason": "重点项目"})
    assert "已由" in alice.get(path).content.decode()
    alice.post(path, {"action": "unlock"})

    sup = company.client("sup")
    dave = company.users["sup"]
    sup.post(path, {"action": "transfer", "to_user": dave.pk, "reason": "片区调整"})
    customer.refresh_from_db()
    assert customer.owner == dave
    kinds = list(OwnershipChange.objects.filter(customer=customer).values_list("kind", flat=True))
    assert kinds == ["transferred", "unlocked", "locked"]

    released = sup.post(path, {"action": "release", "reason": "客户停业"})
    assert released["Location"] == "/ownership/mine/"
    customer.refresh_from_db()
    assert customer.owner is None


def test_own_8_hand_over_on_the_reassign_page(company: Company) -> None:
    mgr = company.client("mgr")
    alice, bob = company.users["alice"], company.users["bob"]
    alice.is_active = False  # the leaver is deactivated first: still listed
    alice.save()
    page = mgr.get("/ownership/reassign/").content.decode()
    assert "已停用" in page
    mgr.post(
        "/ownership/reassign/", {"from_user": alice.pk, "to_user": bob.pk, "reason": "离职交接"}
    )
    assert not Customer.objects.filter(owner=alice).exists()
    assert OwnershipChange.objects.get(kind="transferred").reason == "离职交接"


def test_own_4_the_pool_search_reads_names_not_phones(company: Company) -> None:
    phone_tail = company.customers["P"].phone[-4:]
    client = company.client("alice")
    assert "公海派客户" in client.get("/ownership/pool/?q=公海派").content.decode()
    assert "公海派客户" not in client.get(f"/ownership/pool/?q={phone_tail}").content.decode()


def test_own_8_distribute_in_turn_from_the_pool_page(company: Company) -> None:
    from .factories import CustomerFactory

    for i in range(3):
        CustomerFactory(owner=None, department=None, name=f"轮流{i}")
    client = company.client("sup")
    assert "轮流分配" in client.get("/ownership/pool/").text
    done = client.post(
        "/ownership/distribute/", {"pool": "public", "count": "4", "reason": "月初"}, follow=True
    )
    assert "已轮流分配 4 个客户" in done.text
    assert Customer.objects.filter(owner__isnull=True).count() == 0
    refused = company.client("alice").post(
        "/ownership/distribute/", {"pool": "public", "count": "1"}, follow=True
    )
    assert "您没有分配客户的权限" in refused.text
