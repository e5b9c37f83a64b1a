"""The monthly complaint report (SRV-7…SRV-9): opened for last month with a deadline for
its owner (due on the policy's day), prepared with a snapshot of the figures, signed by
the manager, published on the notice board. Opening is idempotent (one row per month)."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from zhike.dates import day_end
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Duration, Policy
from zhike.workflow.deadlines import deadline_open, deadlines_close

from .common import clean_text
from .errors import PermissionDenied, ServiceError
from .models import MonthlyReport
from .selectors import MANAGE
from .stats import month_figures

RULE = "complaint.monthly_report"


def last_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@transaction.atomic
def open_monthly_report(*, policy: Policy, today: date) -> MonthlyReport | None:
    """Last month's report and its owners' deadline, once; None when it exists already."""
    report, created = MonthlyReport.objects.get_or_create(
        month=last_month(today), defaults={"policy_version": policy.policy.version}
    )
    if not created:
        return None
    start = day_end(today)
    due_day = today.replace(day=policy.service.report_day)
    days = max((due_day - today).days, 0)
    for person in people_with_role(policy.service.report_role, near=None):
        deadline_open(
            title=deferred("%(month)s 客户投诉月报", month=f"{report.month:%Y-%m}"),
            assignee=person,
            start=start,
            within=Duration(calendar_days=days),
            policy=policy,
            rule=RULE,
            escalation=policy.service.escalation,
            subject=report,
            link=f"/service/reports/{report.pk}/",
        )
    return report


def _holds(user: User, role: str) -> bool:
    return user.is_superuser or user.roles.filter(code=role).exists()


@transaction.atomic
def report_prepare(
    *, by: User, report_id: int, summary: str, policy: Policy, now: datetime
) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ServiceError(_("没有这份月报"), field="report")
    if not (_holds(by, policy.service.report_role) or by.has_perm(MANAGE)):
        raise PermissionDenied(_("您不能填报投诉月报"))
    if report.signed_at is not None:
        raise ServiceError(_("月报已签字,不能再改"), field="report")
    report.summary = clean_text(summary, "summary", required=True, limit=5000)
    report.figures = month_figures(by, month=report.month, policy=policy).as_json()
    report.prepared_by, report.prepared_at = by, now
    report.policy_version = policy.policy.version
    report.save()
    deadlines_close(subject=report, now=now, rule=RULE)
    return report


@transaction.atomic
def report_sign(*, by: User, report_id: int, policy: Policy, now: datetime) -> MonthlyReport:
    """The manager signs the check sheet (s004: 每月经主管经理签字)."""
    report = MonthlyReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ServiceError(_("没有这份月报"), field="report")
    if not _holds(by, policy.service.report_signer_role):
        raise PermissionDenied(_("只有签字人可以签字"))
    if report.prepared_at is None:
        raise ServiceError(_("月报尚未填报"), field="report")
    if report.signed_at is None:
        report.signed_by, report.signed_at = by, now
        report.save(update_fields=["signed_by", "signed_at"])
    return report


@transaction.atomic
def report_publish(*, by: User, report_id: int, now: datetime) -> MonthlyReport:
    """On the notice board for every employee (SRV-9, s000: 处理结果在公司告示栏公布)."""
    report = MonthlyReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ServiceError(_("没有这份月报"), field="report")
    if not by.has_perm(MANAGE):
        raise PermissionDenied(_("您不能公布投诉月报"))
    if report.signed_at is None:
        raise ServiceError(_("月报签字后才能公布"), field="report")
    if report.published_at is None:
        report.published_at = now
        report.save(update_fields=["published_at"])
    return report
