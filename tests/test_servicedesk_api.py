"""/api/v1/service: the complaint register over HTTP — every role, in and out of scope,
bad input, and the public intake (SRV-1, SRV-4, SRV-10; issue 15)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from zhike.policy.loader import active_policy
from zhike.servicedesk.models import Complaint
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest

from .conftest import PERSONAS, Company

BASE = "/api/v1/service"
BODY = {
    "channel": "hotline",
    "complainant": "李先生",
    "phone": "13900001111",
    "content": "送货司机态度恶劣,货物放在门口就走。",
    "demand": "criticism",
}


def _register(company: Company, who: str = "cs", **extra) -> dict:  # type: ignore[no-untyped-def]
    response = company.api(who).post(
        f"{BASE}/complaints", {**BODY, **extra}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_srv_1_api_registers_and_masks_the_phone_for_those_not_handling_it(
    company: Company,
) -> None:
    made = _register(company)
    assert made["number"].startswith("TS") and made["state"] == "registered"
    assert made["phone"] == "13900001111"  # the registrar talks to the complainant
    seen_by_gm = company.api("gm").get(f"{BASE}/complaints/{made['id']}").json()
    assert seen_by_gm["phone"] == "139****1111"
    listed = company.api("gm").get(f"{BASE}/complaints").json()
    assert [c["phone"] for c in listed] == ["139****1111"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": ""}, "content"),
        ({"channel": "fax"}, "channel"),
        ({"phone": "12"}, "phone"),
        ({"triggers": ["repeat"]}, "triggers"),  # found by the register, never ticked
        ({"surprise": 1}, "surprise"),
    ],
)
def test_srv_1_api_bad_input_is_a_400_naming_the_field(
    company: Company, change: dict, field: str
) -> None:
    response = company.api("cs").post(
        f"{BASE}/complaints", {**BODY, **change}, content_type="application/json"
    )
    assert response.status_code == 400
    assert any(field in e["field"].split(".") for e in response.json()["errors"])
    assert Complaint.objects.count() == 0


def test_srv_4_api_walks_a_complaint_to_closed(company: Company) -> None:
    made = _register(company)
    url = f"{BASE}/complaints/{made['id']}"
    crm, cs = company.api("crm"), company.api("cs")

    def post(client: Client, action: str, body: dict | None = None) -> dict:
        response = client.post(f"{url}/{action}", body or {}, content_type="application/json")
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert post(crm, "accept", {"category": "service_quality"})["actions"] == ["assign"]
    post(crm, "assign", {"handler_id": company.users["cs"].pk})
    post(cs, "pause", {"reason": "等客户提供送货单"})
    assert post(cs, "resume")["paused"] is False
    post(cs, "investigate", {"cause": "司机未按规定送货上门"})
    assert (
        post(cs, "propose", {"solution": "道歉并补送上门", "compensation": "0"})["state"]
        == "proposed"
    )
    request = ApprovalRequest.objects.get(object_id=made["id"], kind="complaint_solution")
    for step in request.steps.order_by("position"):
        approval_act(
            request_id=request.pk,
            by=step.candidates.first(),
            action="approve",
            comment="同意",
            policy=active_policy(),
            now=timezone.now(),
        )
    post(cs, "notify", {"note": "已电话告知"})
    post(cs, "survey", {"satisfaction": 5})
    done = post(
        cs, "close", {"summary": "司机培训", "corrective": "道歉补送", "preventive": "送货签收制度"}
    )
    assert done["state"] == "closed" and done["actions"] == ["reopen"]
    assert [e["action"] for e in done["events"]][:3] == ["register", "accept", "assign"]


def test_srv_4_api_a_wrong_step_is_a_400_and_a_foreign_complaint_a_404(company: Company) -> None:
    made = _register(company)
    url = f"{BASE}/complaints/{made['id']}"
    wrong = company.api("crm").post(
        f"{url}/survey", {"satisfaction": 3}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "state"
    assert company.api("bob").get(url).status_code == 404
    assert (
        company.api("bob")
        .post(f"{url}/accept", {"category": "service_quality"}, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        company.api("cs")
        .post(f"{url}/accept", {"category": "service_quality"}, content_type="application/json")
        .status_code
        == 403
    )
    assert company.api("crm").get(f"{BASE}/complaints/999999").status_code == 404


# Who may do what (every persona): list, read one (in scope), register, accept.
SEES_ALL = {"cs", "crm", "gm", "vp", "admin"}
REGISTERS = {"cs", "crm", "alice", "bob", "carol", "sup", "mgr", "office", "admin"}
MANAGES = {"crm", "gm", "vp", "admin"}


@pytest.mark.parametrize("persona", [*PERSONAS, "admin"])
def test_srv_10_api_access_matrix(company: Company, persona: str) -> None:
    made = _register(company)  # by cs, no customer: only the ALL-scope viewers see it
    client = company.api(persona)
    listed = client.get(f"{BASE}/complaints")
    assert listed.status_code == 200
    assert (made["id"] in [c["id"] for c in listed.json()]) == (persona in SEES_ALL)
    assert client.get(f"{BASE}/complaints/{made['id']}").status_code == (
        200 if persona in SEES_ALL else 404
    )
    registered = client.post(f"{BASE}/complaints", BODY, content_type="application/json")
    assert registered.status_code == (201 if persona in REGISTERS else 403)
    accepted = client.post(
        f"{BASE}/complaints/{made['id']}/accept",
        {"category": "after_sales"},
        content_type="application/json",
    )
    expected = 200 if persona in MANAGES else (403 if persona in SEES_ALL else 404)
    assert accepted.status_code == expected


def test_srv_10_api_needs_a_sign_in(company: Company) -> None:
    assert Client().get(f"{BASE}/complaints").status_code == 401


# --- the public intake -------------------------------------------------------------------


PUBLIC = {
    "complainant": "路人",
    "phone": "13900009999",
    "content": "门店服务员态度差",
    "demand": "criticism",
}


def test_srv_1_public_intake_gives_a_number_that_with_the_phone_shows_the_state(db: None) -> None:
    cache.clear()
    client = Client()
    response = client.post(f"{BASE}/public/complaints", PUBLIC, content_type="application/json")
    assert response.status_code == 201
    number = response.json()["number"]
    complaint = Complaint.objects.get(number=number)
    assert complaint.channel == "online" and complaint.registered_by is None
    status = client.get(f"{BASE}/public/status", {"number": number, "phone": "139-0000-9999"})
    assert status.status_code == 200
    assert status.json()["state_label"] == "已登记" and status.json()["reply"] == ""
    assert "content" not in status.json()
    assert (
        client.get(f"{BASE}/public/status", {"number": number, "phone": "13900008888"}).status_code
        == 404
    )
    assert (
        client.get(f"{BASE}/public/status", {"number": "TS0", "phone": "13900009999"}).status_code
        == 404
    )


def test_srv_1_public_intake_is_throttled_per_address(db: None) -> None:
    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [
        client.post(
            f"{BASE}/public/complaints", PUBLIC, content_type="application/json"
        ).status_code
        for _ in range(7)
    ]
    assert codes == [201] * 5 + [429] * 2  # service.public_per_hour = 5
    assert Complaint.objects.count() == 5
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert (
        other.post(f"{BASE}/public/complaints", PUBLIC, content_type="application/json").status_code
        == 201
    )
