"""SRV-6: product complaints — the technical department's verification and its document,
《顾客退货处理报告》 (production re-issues as urgent) or 《赔偿告知单》 (finance pays), each
within one working day (s004; issue 15)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from zhike.policy.loader import load_policy
from zhike.servicedesk import product, services
from zhike.servicedesk.errors import ServiceError
from zhike.servicedesk.models import Complaint, ProductDecision, Target
from zhike.workflow.models import Deadline

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("general")
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 9, 0, tzinfo=TZ)  # Tuesday


def verified(company: Company, category: str = "product_quality") -> Complaint:
    crm, tech = company.users["crm"], company.users["tech"]
    complaint = services.complaint_register(
        by=company.users["cs"],
        channel="hotline",
        complainant="刘女士",
        phone="13900001234",
        content="净化器运行时异响",
        demand="exchange",
        policy=POLICY,
        now=NOW,
    )
    services.complaint_accept(
        by=crm, complaint_id=complaint.pk, category=category, policy=POLICY, now=NOW
    )
    services.complaint_assign(
        by=crm, complaint_id=complaint.pk, handler_id=tech.pk, policy=POLICY, now=NOW
    )
    services.complaint_investigate(
        by=tech,
        complaint_id=complaint.pk,
        cause="风机轴承批次缺陷",
        responsible_department_id=company.departments["production"].pk,
        policy=POLICY,
        now=NOW,
    )
    return complaint


def test_srv_6_accepting_a_product_complaint_opens_the_one_day_document_target(
    company: Company,
) -> None:
    complaint = verified(company)
    target = Target.objects.get(complaint=complaint, kind="document")
    assert target.due_at.astimezone(TZ) == datetime(2026, 11, 18, 9, 0, tzinfo=TZ)


def test_srv_6_a_return_report_goes_to_production_as_urgent(company: Company) -> None:
    complaint = verified(company)
    later = datetime(2026, 11, 17, 15, 0, tzinfo=TZ)
    decision = product.product_decide(
        by=company.users["tech"],
        complaint_id=complaint.pk,
        outcome="return",
        opinion="同意换货,整机返厂检测",
        policy=POLICY,
        now=later,
    )
    assert decision.number == "TH" + complaint.number.removeprefix("TS")  # type: ignore[union-attr]
    assert decision.amount is None
    assert Target.objects.get(complaint=complaint, kind="document").met_at == later
    relay = Deadline.objects.get(rule="complaint.product.return")
    assert relay.assignee == company.users["prod"]
    assert relay.display_title.startswith("特急") and decision.number in relay.display_title
    assert relay.due_at.astimezone(TZ) == datetime(2026, 11, 18, 15, 0, tzinfo=TZ)
    page = company.client("tech").get(f"/service/complaints/{complaint.pk}/document/")
    assert page.status_code == 200 and "顾客退货处理报告" in page.content.decode()
    assert (
        company.client("bob").get(f"/service/complaints/{complaint.pk}/document/").status_code
        == 404
    )


def test_srv_6_a_compensation_notice_names_its_amount_and_goes_to_finance(company: Company) -> None:
    complaint = verified(company)
    with pytest.raises(ServiceError) as caught:
        product.product_decide(
            by=company.users["tech"],
            complaint_id=complaint.pk,
            outcome="compensation",
            opinion="赔偿",
            policy=POLICY,
            now=NOW,
        )
    assert caught.value.field == "amount"
    product.product_decide(
        by=company.users["tech"],
        complaint_id=complaint.pk,
        outcome="compensation",
        opinion="按购买价 30% 赔偿",
        amount=Decimal("360"),
        policy=POLICY,
        now=NOW,
    )
    assert (
        Deadline.objects.get(rule="complaint.product.compensation").assignee == company.users["fin"]
    )
    with pytest.raises(ServiceError):  # one document per complaint
        product.product_decide(
            by=company.users["tech"],
            complaint_id=complaint.pk,
            outcome="return",
            opinion="又一次",
            policy=POLICY,
            now=NOW,
        )
    assert ProductDecision.objects.count() == 1


def test_srv_6_only_a_verified_product_complaint_gets_a_document(company: Company) -> None:
    other = verified(company, category="service_quality")
    with pytest.raises(ServiceError) as caught:
        product.product_decide(
            by=company.users["tech"],
            complaint_id=other.pk,
            outcome="return",
            opinion="x",
            policy=POLICY,
            now=NOW,
        )
    assert caught.value.field == "category"
    assert not Target.objects.filter(complaint=other, kind="document").exists()
    assert ProductDecision.objects.count() == 0


def test_srv_6_api_issues_the_document_and_refuses_a_second(company: Company) -> None:
    complaint = verified(company)
    url = f"/api/v1/service/complaints/{complaint.pk}/product-decision"
    body = {"outcome": "return", "opinion": "同意换货"}
    first = company.api("tech").post(url, body, content_type="application/json")
    assert first.status_code == 201 and first.json()["number"].startswith("TH")
    again = company.api("tech").post(url, body, content_type="application/json")
    assert again.status_code == 400
    assert company.api("bob").post(url, body, content_type="application/json").status_code == 404


also_in_a_real_transaction(
    globals(), test_srv_6_a_compensation_notice_names_its_amount_and_goes_to_finance
)
