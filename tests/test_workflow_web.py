"""Approvals and calendar pages (APR-1, SRV-5, NTF-1) and who may see them."""

import pytest
from django.utils import timezone

from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import ApprovalState, CalendarOverride

from .conftest import Company


@pytest.fixture
def report(company: Company, general_policy):  # type: ignore[no-untyped-def]
    return approval_submit(
        kind="new_customer_report",
        subject=company.customers["A"],
        title="新开发客户报告:甲方阿尔法科技",
        by=company.users["alice"],
        policy=general_policy,
        now=timezone.now(),
    )


def test_apr_1_waiting_page_lists_it_for_the_approver_only(company: Company, report) -> None:
    assert report.title in company.client("sup").get("/approvals/").text
    assert report.title not in company.client("mgr").get("/approvals/").text  # not yet
    assert report.title in company.client("alice").get("/approvals/?box=submitted").text


def test_apr_1_approve_in_place_with_htmx(company: Company, report) -> None:
    client = company.client("sup")
    response = client.post(
        f"/approvals/{report.pk}/",
        {"action": "approve", "comment": "同意"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="decision">')
    assert "同意" in response.text and "<html" not in response.text
    assert report.title in company.client("mgr").get("/approvals/").text  # next step
    assert report.title in client.get("/approvals/?box=history").text


def test_apr_1_reject_without_comment_shows_the_error_in_chinese(company: Company, report) -> None:
    response = company.client("sup").post(
        f"/approvals/{report.pk}/",
        {"action": "reject", "comment": ""},
        headers={"HX-Request": "true"},
    )
    assert "驳回或退回时请填写意见" in response.text
    report.refresh_from_db()
    assert report.state == ApprovalState.PENDING


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("alice", 200),
        ("sup", 200),
        ("mgr", 200),
        ("admin", 200),
        ("bob", 404),
        ("cs", 404),
        ("gm", 404),
    ],
)
def test_apr_1_approval_visible_to_those_involved_only(
    company: Company, report, persona: str, status: int
) -> None:
    assert company.client(persona).get(f"/approvals/{report.pk}/").status_code == status
    assert company.api(persona).get(f"/api/v1/approvals/{report.pk}").status_code == status


def test_apr_1_api_act_and_error_shape(company: Company, report) -> None:
    bad = company.api("bob").post(
        f"/api/v1/approvals/{report.pk}/act", {"action": "approve"}, content_type="application/json"
    )
    assert bad.status_code == 404
    self_approval = company.api("alice").post(
        f"/api/v1/approvals/{report.pk}/act", {"action": "approve"}, content_type="application/json"
    )
    assert self_approval.status_code == 403
    assert self_approval.json()["message"] == "不能审批自己提交的申请"
    ok = company.api("sup").post(
        f"/api/v1/approvals/{report.pk}/act",
        {"action": "approve", "comment": "好"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert [s["state"] for s in ok.json()["steps"]] == ["approved", "active"]


def test_ntf_1_workbench_shows_approvals_waiting(company: Company, report) -> None:
    page = company.client("sup").get("/")
    assert report.title in page.text
    assert "待我审批" in page.text


def test_srv_5_calendar_page_shows_holidays_make_up_days_and_overrides(company: Company) -> None:
    CalendarOverride.objects.create(day="2025-12-31", is_workday=False, name="年终盘点")
    page = company.client("admin").get("/calendar/?year=2025")
    assert page.status_code == 200
    assert 'title="国庆节"' in page.text and 'title="调休上班"' in page.text
    assert "年终盘点" in page.text
    assert "法定节假日数据只覆盖" not in page.text


def test_srv_5_calendar_page_warns_beyond_the_data(company: Company) -> None:
    from zhike.workflow.calendar import official_data_years

    year = official_data_years()[1] + 1
    page = company.client("admin").get(f"/calendar/?year={year}")
    assert "法定节假日数据只覆盖" in page.text


def test_srv_5_calendar_page_needs_the_right(company: Company) -> None:
    assert company.client("alice").get("/calendar/").status_code == 403


def test_apr_1_requester_resubmits_a_returned_request_from_the_page(
    company: Company, report
) -> None:
    company.client("sup").post(
        f"/approvals/{report.pk}/", {"action": "return", "comment": "补充资信"}
    )
    page = company.client("alice").get(f"/approvals/{report.pk}/")
    assert "重新提交" in page.text
    company.client("alice").post(f"/approvals/{report.pk}/", {"action": "resubmit"})
    report.refresh_from_db()
    assert report.state == ApprovalState.PENDING and report.round == 2


def test_srv_5_the_calendar_in_english_names_weekdays_and_holidays_in_english(
    company: Company,
) -> None:
    """Issue 13 item 21: weekday headers (一…日) and holiday names stayed Chinese."""
    client = company.client("vp")
    chinese = client.get("/calendar/?year=2026").content.decode()
    assert "<th>一</th>" in chinese and "春节" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/calendar/?year=2026").content.decode()
    assert "<th>Mon</th>" in english and "<th>Sun</th>" in english
    assert "Spring Festival" in english and "春节" not in english


def test_srv_5_a_year_no_calendar_can_show_is_this_year(company: Company) -> None:
    page = company.client("vp").get(f"/calendar/?year={10**30}")
    assert page.status_code == 200
