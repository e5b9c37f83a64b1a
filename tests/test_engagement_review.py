"""ENG-4 (s003-4 拜访应于两天内提出客户拜访报告,呈主管审核): a submitted visit report goes
to the reporter's supervisor; reviewed, it is done; returned, the reporter completes it and
it goes again — on the web and in the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.base import also_in_a_real_transaction
from tests.conftest import Company
from tests.test_engagement import visit
from zhike.engagement.errors import EngagementError, PermissionDenied
from zhike.engagement.models import VisitReport
from zhike.engagement.report_review import latest_request, visit_report_revise
from zhike.engagement.services import visit_report_submit
from zhike.policy.loader import parse_policy
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalState

HEADER = '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\nextends = "general"\n'


def report(company: Company, policy) -> VisitReport:  # type: ignore[no-untyped-def]
    made = visit(company, policy, days_ago=1)
    return visit_report_submit(
        by=company.users["alice"],
        visit_id=made.pk,
        summary="见了采购王经理,明年预算增加两成",
        now=timezone.now(),
        policy=policy,
    )


def act(company: Company, policy, done: VisitReport, action: str, comment: str = "") -> None:  # type: ignore[no-untyped-def]
    request = latest_request(done)
    assert request is not None
    approval_act(
        request_id=request.pk,
        by=company.users["sup"],
        action=action,  # type: ignore[arg-type]
        comment=comment,
        policy=policy,
        now=timezone.now(),
    )


def test_eng_4_the_report_goes_to_the_supervisor_and_is_reviewed(
    company: Company, general_policy
) -> None:
    done = report(company, general_policy)
    done.refresh_from_db()
    assert done.review == "submitted"
    request = latest_request(done)
    assert request is not None and request.customer_id == company.customers["A"].pk
    step = request.steps.get()
    assert list(step.candidates.values_list("username", flat=True)) == ["sup"]
    # the supervisor's inbox names it, with a link to the report itself
    page = company.client("sup").get(f"/approvals/{request.pk}/").content.decode()
    assert f"/follow-ups/{done.visit_id}/#report" in page
    act(company, general_policy, done, "approve")
    done.refresh_from_db()
    assert done.review == "reviewed"


def test_eng_4_a_returned_report_is_completed_and_goes_again(
    company: Company, general_policy
) -> None:
    done = report(company, general_policy)
    act(company, general_policy, done, "return", "请补充竞品报价")
    done.refresh_from_db()
    assert done.review == "returned"
    with pytest.raises(PermissionDenied):
        visit_report_revise(
            by=company.users["bob"], report_id=done.pk, summary="x", policy=general_policy,
            now=timezone.now(),
        )  # fmt: skip
    with pytest.raises(EngagementError):
        visit_report_revise(
            by=company.users["alice"], report_id=done.pk, summary="  ", policy=general_policy,
            now=timezone.now(),
        )  # fmt: skip
    client = company.client("alice")
    page = client.get(f"/follow-ups/{done.visit_id}/").content.decode()
    assert "退回补充" in page and "重新提交" in page
    posted = client.post(
        f"/follow-ups/{done.visit_id}/",
        {"action": "revise", "summary": "见了采购王经理,竞品报价低 5%,明年预算增加两成"},
    )
    assert posted.status_code == 302
    done.refresh_from_db()
    request = latest_request(done)
    assert done.review == "submitted" and "竞品报价" in done.summary
    assert request is not None and request.state == ApprovalState.PENDING and request.round == 2
    with pytest.raises(EngagementError):  # not returned now: nothing to complete
        visit_report_revise(
            by=company.users["alice"], report_id=done.pk, summary="再改", policy=general_policy,
            now=timezone.now(),
        )  # fmt: skip


def test_eng_4_a_rejected_report_completed_opens_a_new_review(
    company: Company, general_policy
) -> None:
    done = report(company, general_policy)
    act(company, general_policy, done, "reject", "不是这次拜访的内容")
    first = latest_request(done)
    visit_report_revise(
        by=company.users["alice"], report_id=done.pk, summary="重写的拜访情况",
        policy=general_policy, now=timezone.now() + timedelta(minutes=1),
    )  # fmt: skip
    second = latest_request(done)
    assert first is not None and second is not None and second.pk != first.pk
    assert second.state == ApprovalState.PENDING


def test_eng_4_without_the_review_in_the_policy_reports_are_kept_unreviewed(
    company: Company,
) -> None:
    general = parse_policy(HEADER, "test")  # general, less [approvals.visit_report]
    unreviewed = general.model_copy(
        update={"approvals": {k: v for k, v in general.approvals.items() if k != "visit_report"}}
    )
    done = report(company, unreviewed)
    done.refresh_from_db()
    assert done.review == "" and latest_request(done) is None


def test_eng_4_the_review_in_the_api(company: Company, general_policy) -> None:
    done = report(company, general_policy)
    api = company.api("alice")
    shown = api.get(f"/api/v1/follow-ups/{done.visit_id}").json()
    assert shown["report_review"] == "submitted"
    refused = api.post(
        f"/api/v1/follow-ups/{done.visit_id}/report/revise",
        {"summary": "补充"},
        content_type="application/json",
    )
    assert refused.status_code == 400  # not returned
    act(company, general_policy, done, "return", "请补充")
    revised = api.post(
        f"/api/v1/follow-ups/{done.visit_id}/report/revise",
        {"summary": "补充了竞品情况"},
        content_type="application/json",
    )
    assert revised.status_code == 200 and revised.json()["report_review"] == "submitted"
    other = company.api("bob").post(
        f"/api/v1/follow-ups/{done.visit_id}/report/revise",
        {"summary": "x"},
        content_type="application/json",
    )
    assert other.status_code == 404  # bob does not see alice's customer


also_in_a_real_transaction(
    globals(),
    test_eng_4_the_report_goes_to_the_supervisor_and_is_reviewed,
    test_eng_4_a_returned_report_is_completed_and_goes_again,
)
