"""SRV-7…SRV-9: the month's complaint figures (scoped, with the same numbers in xlsx), the
monthly report due by the 10th, signed by the manager, published on the notice board."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from zhike.policy.loader import load_policy
from zhike.servicedesk import reports, services
from zhike.servicedesk.errors import PermissionDenied, ServiceError
from zhike.servicedesk.models import Complaint, MonthlyReport
from zhike.servicedesk.stats import month_figures
from zhike.servicedesk.sweep import sweep_targets
from zhike.workflow.models import Deadline

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("general")
TZ = ZoneInfo("Asia/Shanghai")
NOV = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)


def _complaint(
    company: Company, when: datetime, phone: str, category: str = "", **extra
) -> Complaint:  # type: ignore[no-untyped-def]
    complaint = services.complaint_register(
        by=company.users["cs"],
        channel=extra.pop("channel", "hotline"),
        complainant="客户",
        phone=phone,
        content="统计用投诉",
        demand="criticism",
        policy=POLICY,
        now=when,
        **extra,
    )
    if category:
        services.complaint_accept(
            by=company.users["crm"],
            complaint_id=complaint.pk,
            category=category,
            policy=POLICY,
            now=when,
        )
        services.complaint_assign(
            by=company.users["crm"],
            complaint_id=complaint.pk,
            handler_id=company.users["cs"].pk,
            policy=POLICY,
            now=when,
        )
    return complaint


def test_srv_7_the_months_figures_by_category_channel_handler_and_trend(company: Company) -> None:
    _complaint(company, NOV, "13900000001", "service_quality")
    _complaint(company, NOV + timedelta(days=1), "13900000002", "service_quality", channel="visit")
    _complaint(
        company, NOV + timedelta(days=2), "13900000003", "product_quality", triggers=["media"]
    )
    _complaint(company, datetime(2026, 10, 30, 23, 30, tzinfo=TZ), "13900000004")  # October, local
    _complaint(company, datetime(2026, 12, 1, 0, 10, tzinfo=TZ), "13900000005")  # December
    sweep_targets(policy=POLICY, now=NOV + timedelta(days=20))  # everything open is overdue

    figures = month_figures(company.users["crm"], month=date(2026, 11, 1), policy=POLICY)
    assert (figures.total, figures.major, figures.closed) == (3, 1, 0)
    assert dict(figures.by_category) == {"服务质量": 2, "产品质量": 1}
    assert dict(figures.by_channel) == {"客服热线": 2, "来访": 1}
    assert dict(figures.by_department) == {"service": 2, "tech": 1}
    _name, handled, overdue = figures.by_handler[0]
    # Solution and closure of each; the major one's warning; the product one's document.
    assert handled == 3 and overdue == 3 * 2 + 1 + 1
    assert figures.trend[-2:] == [(date(2026, 10, 1), 1), (date(2026, 11, 1), 3)]
    assert len(figures.trend) == 12


def test_srv_7_figures_follow_the_readers_scope(company: Company) -> None:
    _complaint(company, NOV, company.customers["A"].phone)
    _complaint(company, NOV, "13900000009")
    assert month_figures(company.users["alice"], month=date(2026, 11, 1), policy=POLICY).total == 1
    assert month_figures(company.users["bob"], month=date(2026, 11, 1), policy=POLICY).total == 0
    assert month_figures(company.users["gm"], month=date(2026, 11, 1), policy=POLICY).total == 2


def test_srv_7_the_xlsx_carries_the_pages_numbers(company: Company) -> None:
    _complaint(company, NOV, "13900000001", "service_quality")
    response = company.client("crm").get("/service/stats/", {"month": "2026-11", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells: dict = {}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0]:
            cells.setdefault(row[0], row[1])  # the first of each label: the summary rows
    assert cells["月份"] == "2026-11"
    assert cells["投诉总数"] == 1 and cells["服务质量"] == 1
    page = company.client("crm").get("/service/stats/", {"month": "2026-11"})
    assert page.status_code == 200 and "服务质量" in page.content.decode()
    assert company.client("bob").get("/service/stats/").status_code == 404
    assert company.client("fin").get("/service/stats/").status_code == 404


def test_srv_7_the_monthly_report_opens_once_with_a_deadline_on_the_10th(company: Company) -> None:
    first = reports.open_monthly_report(policy=POLICY, today=date(2026, 12, 1))
    again = reports.open_monthly_report(policy=POLICY, today=date(2026, 12, 2))
    assert first is not None and first.month == date(2026, 11, 1) and again is None
    deadline = Deadline.objects.get(rule="complaint.monthly_report")
    assert deadline.assignee == company.users["crm"]
    assert deadline.due_at.astimezone(TZ) == datetime(2026, 12, 10, 18, 0, tzinfo=TZ)


def test_srv_8_prepared_signed_by_the_manager_then_published(company: Company) -> None:
    _complaint(company, NOV, "13900000001", "service_quality")
    report = reports.open_monthly_report(policy=POLICY, today=date(2026, 12, 1))
    assert report is not None
    now = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    with pytest.raises(ServiceError):  # not prepared yet
        reports.report_sign(by=company.users["gm"], report_id=report.pk, policy=POLICY, now=now)
    with pytest.raises(PermissionDenied):
        reports.report_prepare(
            by=company.users["alice"], report_id=report.pk, summary="x", policy=POLICY, now=now
        )
    reports.report_prepare(
        by=company.users["crm"],
        report_id=report.pk,
        summary="服务质量投诉集中在安装环节",
        policy=POLICY,
        now=now,
    )
    assert Deadline.objects.get(rule="complaint.monthly_report").state == "done"
    with pytest.raises(PermissionDenied):  # only the policy's signer
        reports.report_sign(by=company.users["crm"], report_id=report.pk, policy=POLICY, now=now)
    with pytest.raises(ServiceError):  # unsigned: not on the board
        reports.report_publish(by=company.users["crm"], report_id=report.pk, now=now)
    reports.report_sign(by=company.users["gm"], report_id=report.pk, policy=POLICY, now=now)
    with pytest.raises(ServiceError):  # the signed figures do not change
        reports.report_prepare(
            by=company.users["crm"], report_id=report.pk, summary="改", policy=POLICY, now=now
        )
    reports.report_publish(by=company.users["crm"], report_id=report.pk, now=now)
    report.refresh_from_db()
    assert report.figures["total"] == 1 and report.signed_by == company.users["gm"]
    board = company.client("alice").get("/service/board/").content.decode()
    assert "服务质量投诉集中在安装环节" in board and "共受理投诉 1 件" in board


def test_srv_9_an_unpublished_report_is_not_on_the_board(company: Company) -> None:
    MonthlyReport.objects.create(month=date(2026, 10, 1), summary="草稿内容", policy_version="x")
    assert "草稿内容" not in company.client("alice").get("/service/board/").content.decode()


def test_srv_11_a_safety_incident_is_recorded_in_the_same_register(company: Company) -> None:
    incident = _complaint(company, NOV, "13900000011", "safety")
    incident.refresh_from_db()
    assert incident.department == company.departments["service"]
    figures = month_figures(company.users["crm"], month=date(2026, 11, 1), policy=POLICY)
    assert dict(figures.by_category) == {"服务安全事故": 1}


also_in_a_real_transaction(globals(), test_srv_8_prepared_signed_by_the_manager_then_published)
