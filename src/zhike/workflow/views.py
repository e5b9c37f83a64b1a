"""Pages of the workflow core: approvals and the calendar admin page."""

import calendar as month_calendar
from datetime import date

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import selectors
from .approvals import approval_act, approval_resubmit, subject_link
from .calendar import days_off_and_workdays, holiday_name, official_data_years
from .models import ApprovalRequest, ApprovalState, CalendarOverride, StepState

BOXES = ("waiting", "submitted", "history")


@login_required
def approvals_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    box = request.GET.get("box", "waiting")
    box = box if box in BOXES else "waiting"
    if box == "waiting":
        requests = [s.request for s in selectors.steps_waiting_for(user, now=timezone.now())[:100]]
    elif box == "submitted":
        requests = list(selectors.approvals_submitted_by(user).select_related("requester")[:100])
    else:
        requests = list(selectors.approvals_decided_by(user)[:100])
    return render(request, "workflow/approvals.html", {"box": box, "requests": requests})


def _detail_context(user: User, approval: ApprovalRequest, error: str = "") -> dict:
    now = timezone.now()
    steps = list(
        approval.steps.prefetch_related("candidates").select_related("acted_by", "on_behalf_of")
    )
    active = next((s for s in steps if s.state == StepState.ACTIVE), None)
    # The same rule as the inbox: a candidate or a delegate of one, never the requester.
    may_act = (
        active is not None
        and selectors.steps_waiting_for(user, now=now).filter(pk=active.pk).exists()
    )
    may_resubmit = approval.state == ApprovalState.RETURNED and approval.requester_id == user.pk
    return {
        "approval": approval,
        "steps": steps,
        "may_act": may_act,
        "may_resubmit": may_resubmit,
        "subject_link": subject_link(approval),
        "error": error,
    }


@login_required
def approval_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        approval = selectors.access_approval(user, request_id, now=timezone.now())
    except ApprovalRequest.DoesNotExist:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "resubmit":
                approval_resubmit(
                    request_id=approval.pk, by=user, policy=active_policy(), now=timezone.now()
                )
            else:
                approval_act(
                    request_id=approval.pk,
                    by=user,
                    action=action,  # type: ignore[arg-type]
                    comment=request.POST.get("comment", ""),
                    policy=active_policy(),
                    now=timezone.now(),
                )
        except RuleError as exc:
            error = exc.message
        approval.refresh_from_db()
    context = _detail_context(user, approval, error)
    template = "workflow/approval_detail.html"
    if request.headers.get("HX-Request"):
        template += "#decision"
    return render(request, template, context)


# Monday first, as Chinese calendars are printed.
WEEKDAYS = [
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
]


@login_required
@permission_required("workflow.view_calendaroverride", raise_exception=True)
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The year's official holidays, make-up workdays and company overrides (SRV-5)."""
    this_year = timezone.localdate().year
    try:  # a year a calendar can show; anything else is this year
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = year if 1900 <= year <= 2200 else this_year
    holidays, makeup = days_off_and_workdays(year)
    chinese = translation.get_language().startswith("zh")
    holiday_names = {day: holiday_name(key, chinese=chinese) for day, key in holidays}
    overrides = {
        o.day: o for o in CalendarOverride.objects.filter(day__year=year, department__isnull=True)
    }
    cal = selectors.company_calendar(active_policy())
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar().monthdatescalendar(year, month):
            weeks.append(
                [
                    None
                    if d.month != month
                    else {
                        "day": d,
                        "workday": cal.is_workday(d),
                        "holiday": holiday_names.get(d, ""),
                        "makeup": d in makeup,
                        "override": overrides.get(d),
                        "guess": cal.is_beyond_data(d),
                    }
                    for d in week
                ]
            )
        months.append({"number": month, "weeks": weeks})
    first, last = official_data_years()
    return render(
        request,
        "workflow/calendar.html",
        {
            "year": year,
            "weekdays": WEEKDAYS,
            "months": months,
            "overrides": sorted(overrides.values(), key=lambda o: o.day),
            "beyond_data": not first <= year <= last,
            "data_years": (first, last),
            "previous": year - 1,
            "next": year + 1,
            "today": date.today(),
        },
    )
