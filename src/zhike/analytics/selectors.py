"""Reads of analytics that are not reports: the targets in the reader's scope, a report
run by key."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhike.errors import NotFound, PermissionDenied
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy

from .filters import Filters, parse
from .models import SalesTarget
from .registry import REPORTS, Report, Result


def report_named(user: User, key: str) -> Report:
    report = REPORTS.get(key)
    if report is None:
        raise NotFound(_("报表不存在"))
    if not report.allowed(user):
        raise PermissionDenied(_("您没有查看该报表的权限"))
    return report


def run_report(
    user: User, key: str, params: Mapping[str, Any], *, policy: Policy, today: date
) -> tuple[Report, Filters, Result]:
    """The report ``key`` over ``params``' filters, within the user's scope."""
    report = report_named(user, key)
    filters = parse(user, params, policy=policy, today=today, extra=report.extra)
    return report, filters, report.run(user, filters, policy)


def targets_for(user: User, month: date) -> QuerySet[SalesTarget]:
    return visible_to(user, SalesTarget.objects.filter(month=month.replace(day=1))).select_related(
        "owner"
    )
