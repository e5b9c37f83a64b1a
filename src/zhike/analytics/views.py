"""Pages of analytics: the dashboard of the reader's role, and every registered report
with its filters, chart, table and xlsx (ANA-1…4). Charts are drawn by charts.js from the
JSON the page carries (the report endpoint's answer)."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhike.errors import NotFound, PermissionDenied
from zhike.grading.models import Review
from zhike.org.models import DataScope, Department, User
from zhike.org.scopes import department_tree_ids, user_scopes, users_in_scope
from zhike.policy.loader import active_policy

from . import dashboards, exporting, selectors
from .common import levels
from .errors import AnalyticsError
from .filters import GRAINS
from .registry import reports_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _sections(user: User) -> list[tuple[str, list]]:
    sections: dict[str, list] = {}
    for report in reports_for(user):
        sections.setdefault(str(report.section), []).append(report)
    return list(sections.items())


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user, policy = _user(request), active_policy()
    board = dashboards.dashboard(
        user, policy=policy, today=timezone.localdate(), role=request.GET.get("view")
    )
    charts = {f"chart-{c.key}": c.chart.as_json() for c in board.cards if c.chart}
    context = {
        "board": board,
        "roles": dashboards.roles_for(user),
        "charts": charts,
        "sections": _sections(user),
    }
    return render(request, "analytics/dashboard.html", context)


def _departments(user: User) -> list[Department]:
    if user.is_superuser or DataScope.ALL in user_scopes(user):
        return list(Department.objects.order_by("path"))
    if user.department_id is None:
        return []
    return list(
        Department.objects.filter(pk__in=department_tree_ids(user.department_id)).order_by("path")
    )


@login_required
def report_page(request: HttpRequest, key: str) -> HttpResponse:
    user, policy = _user(request), active_policy()
    try:
        report = selectors.report_named(user, key)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise Forbidden from None
    error, result, filters, status = None, None, None, 200
    try:
        _report, filters, result = selectors.run_report(
            user, key, request.GET, policy=policy, today=timezone.localdate()
        )
    except AnalyticsError as exc:
        error, status = exc, 400
    if result is not None and request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        exporting.write_xlsx(result, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{report.key}.xlsx"'
        return response
    grades = levels(policy)
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {
        "report": report,
        "result": result,
        "rows": list(zip(result.rows, result.links or [None] * len(result.rows), strict=False))
        if result
        else [],
        "chart": result.chart.as_json() if result and result.chart else None,
        "error": error,
        "params": filters.query() if filters else request.GET,
        "grains": GRAINS,
        "grades": grades,
        "departments": _departments(user),
        "owners": users_in_scope(user).order_by("username")[:300],
        "by_values": report.extra.get("by", ()),
        "reviews": Review.objects.filter(state=Review.State.APPLIED).order_by("-pk")[:20]
        if "review" in report.extra
        else [],
        "xlsx_query": query.urlencode(),
        "sections": _sections(user),
    }
    return render(request, "analytics/report.html", context, status=status)
