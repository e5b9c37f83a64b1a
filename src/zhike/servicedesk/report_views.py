"""Pages of complaint statistics (SRV-7): the month's figures with their xlsx; the
monthly reports (prepare, sign, publish: SRV-8); the notice board (SRV-9)."""

import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import reports, stats
from .models import MonthlyReport
from .selectors import HANDLE, MANAGE, VIEW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _month(value: str) -> date:
    """YYYY-MM, else this month."""
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _may_read(user: User) -> None:
    if not (user.has_perm(VIEW) or user.has_perm(HANDLE)):
        raise Http404


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _may_read(user)
    month = _month(request.GET.get("month", ""))
    figures = stats.month_figures(user, month=month, policy=active_policy())
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        stats.write_xlsx(figures, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="complaints-{month:%Y-%m}.xlsx"'
        return response
    peak = max((n for _m, n in figures.trend), default=0) or 1
    trend = [(m, n, round(100 * n / peak)) for m, n in figures.trend]
    context = {"f": figures, "month": f"{month:%Y-%m}", "trend": trend}
    return render(request, "servicedesk/stats.html", context)


@login_required
def reports_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _may_read(user)
    rows = MonthlyReport.objects.select_related("prepared_by", "signed_by")[:24]
    return render(request, "servicedesk/reports.html", {"rows": rows})


@login_required
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    user, policy = _user(request), active_policy()
    _may_read(user)
    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404
    if request.method == "POST":
        action, now = request.POST.get("action", ""), timezone.now()
        try:
            if action == "prepare":
                reports.report_prepare(
                    by=user,
                    report_id=report.pk,
                    summary=request.POST.get("summary", ""),
                    policy=policy,
                    now=now,
                )
            elif action == "sign":
                reports.report_sign(by=user, report_id=report.pk, policy=policy, now=now)
            elif action == "publish":
                reports.report_publish(by=user, report_id=report.pk, now=now)
            else:
                raise RuleError(_("无效的操作"))
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("service-report", report.pk)
    context = {"r": report, "f": report.figures, "may_publish": user.has_perm(MANAGE)}
    return render(request, "servicedesk/report.html", context)


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """告示栏: published monthly results, for every employee (SRV-9)."""
    rows = MonthlyReport.objects.filter(published_at__isnull=False)[:12]
    return render(request, "servicedesk/board.html", {"rows": rows})
