"""The service desk's pages: queue, intake, a complaint's page, the public complaint page
(SRV-1, SRV-4, SRV-10; issue 15) — every role, in and out of scope."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from zhike.policy.loader import active_policy
from zhike.servicedesk import services
from zhike.servicedesk.models import Complaint

from .conftest import PERSONAS, Company

FORM = {
    "channel": "hotline",
    "complainant": "张女士",
    "phone": "13900004444",
    "content": "安装师傅迟到三小时且未提前通知。",
    "demand": "criticism",
}


def _made(company: Company, **extra) -> Complaint:  # type: ignore[no-untyped-def]
    values = {**FORM, **extra}
    return services.complaint_register(
        by=company.users["cs"], policy=active_policy(), now=timezone.now(), **values
    )


def test_srv_1_the_agent_registers_a_complaint_from_the_form(company: Company) -> None:
    client = company.client("cs")
    page = client.get("/service/new/")
    assert page.status_code == 200 and "登记投诉" in page.content.decode()
    response = client.post("/service/new/", {**FORM, "triggers": ["media"]})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == f"/service/complaints/{complaint.pk}/"
    assert complaint.major and complaint.registered_by == company.users["cs"]
    detail = client.get(response.url).content.decode()
    assert complaint.number in detail and "重大投诉" in detail and "13900004444" in detail


def test_srv_1_the_form_shows_what_is_wrong_in_chinese_and_saves_nothing(company: Company) -> None:
    response = company.client("cs").post("/service/new/", {**FORM, "phone": "12345", "content": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写此项" in body or "电话号码" in body
    assert Complaint.objects.count() == 0


def test_srv_1_the_customer_finder_matches_a_phone_tail_with_the_phone_masked(
    company: Company,
) -> None:
    customer = company.customers["A"]
    body = (
        company.client("cs").get("/service/customers/", {"q": customer.phone[-4:]}).content.decode()
    )
    assert customer.name in body
    assert customer.phone not in body and customer.phone[-4:] in body
    # Three digits of the middle are not a search a masked number answers (SEC-5).
    middle = (
        company.client("cs").get("/service/customers/", {"q": customer.phone[3:8]}).content.decode()
    )
    assert customer.name not in middle


def test_srv_4_the_crm_manager_accepts_and_assigns_from_the_page(company: Company) -> None:
    complaint = _made(company)
    url = f"/service/complaints/{complaint.pk}/"
    crm = company.client("crm")
    page = crm.get(url).content.decode()
    assert "受理并分类" in page and "不予受理" in page
    assert crm.post(url, {"action": "accept", "category": "after_sales"}).status_code == 302
    assert (
        crm.post(url, {"action": "assign", "handler_id": company.users["cs"].pk}).status_code == 302
    )
    complaint.refresh_from_db()
    assert complaint.state == "assigned" and complaint.handler == company.users["cs"]
    handler_page = company.client("cs").get(url).content.decode()
    assert "查明原因与责任" in handler_page and "暂停计时" in handler_page


def test_srv_4_a_refused_action_is_shown_and_changes_nothing(company: Company) -> None:
    complaint = _made(company)
    url = f"/service/complaints/{complaint.pk}/"
    response = company.client("crm").post(url, {"action": "close", "summary": "x"})
    assert response.status_code == 400 and "不能结案" in response.content.decode()
    unknown = company.client("crm").post(url, {"action": "explode"})
    assert unknown.status_code == 400
    complaint.refresh_from_db()
    assert complaint.state == "registered"


@pytest.mark.parametrize("persona", [*PERSONAS, "admin"])
def test_srv_10_pages_access_matrix(company: Company, persona: str) -> None:
    complaint = _made(company)
    client = company.client(persona)
    assert client.get("/service/").status_code == 200
    sees = persona in {"cs", "crm", "gm", "vp", "admin"}
    assert client.get(f"/service/complaints/{complaint.pk}/").status_code == (200 if sees else 404)
    registers = persona in {"cs", "crm", "alice", "bob", "carol", "sup", "mgr", "office", "admin"}
    assert client.get("/service/new/").status_code == (200 if registers else 404)


def test_srv_10_pages_need_a_sign_in(db: None) -> None:
    assert Client().get("/service/").status_code == 302


def test_srv_1_public_page_takes_a_complaint_without_an_account(db: None) -> None:
    cache.clear()
    client = Client()
    assert client.get("/complain/").status_code == 200
    done = client.post("/complain/", {**FORM, "phone": "13900005555"})
    assert done.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.number in done.content.decode() and complaint.channel == "online"
    status = client.get("/complain/status/", {"number": complaint.number, "phone": "13900005555"})
    assert status.status_code == 200 and "已登记" in status.content.decode()
    assert FORM["content"] not in status.content.decode()
    wrong = client.get("/complain/status/", {"number": complaint.number, "phone": "13900006666"})
    assert wrong.status_code == 404


def test_srv_1_public_page_refuses_a_post_without_its_csrf_token(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/complain/", FORM).status_code == 403
    assert Complaint.objects.count() == 0


def test_srv_1_public_page_flood_is_refused_after_the_hourly_limit(db: None) -> None:
    cache.clear()
    client = Client(REMOTE_ADDR="198.51.100.7")
    codes = [client.post("/complain/", FORM).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert Complaint.objects.count() == 5


def test_srv_10_the_handlers_workbench_shows_their_complaints(company: Company) -> None:
    complaint = _made(company)
    crm = company.users["crm"]
    policy, now = active_policy(), timezone.now()
    services.complaint_accept(
        by=crm, complaint_id=complaint.pk, category="after_sales", policy=policy, now=now
    )
    services.complaint_assign(
        by=crm, complaint_id=complaint.pk, handler_id=company.users["cs"].pk, policy=policy, now=now
    )
    page = company.client("cs").get("/").content.decode()
    assert "我处理的投诉" in page and complaint.number in page
    assert "我处理的投诉" not in company.client("alice").get("/").content.decode()


def test_srv_10_the_360_page_counts_the_customers_open_complaints(company: Company) -> None:
    customer = company.customers["A"]
    _made(company, phone=customer.phone)
    summary = company.client("alice").get(f"/customers/{customer.pk}/summary/").content.decode()
    assert "未结投诉" in summary and f"customer={customer.pk}" in summary
    listed = company.client("alice").get("/service/", {"view": "all", "customer": customer.pk})
    assert FORM["complainant"] in listed.content.decode()


def test_srv_1_a_received_time_that_is_not_a_time_is_refused_not_replaced(company: Company) -> None:
    response = company.client("cs").post("/service/new/", {**FORM, "received_at": "昨天下午"})
    assert response.status_code == 400 and "时间格式不正确" in response.content.decode()
    assert Complaint.objects.count() == 0
