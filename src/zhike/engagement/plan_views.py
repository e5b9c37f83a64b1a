"""拜访计划 pages (ENG-3): next month's plan, typed on a phone or a desk, and plan against
actual for the people a supervisor sees."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.dates import months_before
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.loader import active_policy

from .models import VisitPlan
from .plans import (
    MAX_LINES,
    PlanLine,
    due_moment,
    month_after,
    plan_against_actual,
    visit_plan_save,
    visit_plan_submit,
)

BLANK_ROWS = 3  # empty lines under the plan's own; save to get three more


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _month(raw: str, default: date) -> date:
    try:
        year, month = (int(p) for p in raw.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return default


def _lines(request: HttpRequest, user: User) -> tuple[list[PlanLine], list[tuple[str, str]]]:
    """The form's rows: a customer by its code (the datalist offers one's own), a date, a
    purpose. Empty rows are skipped."""
    post, lines, problems = request.POST, [], []
    codes = [post.get(f"customer_{i}", "").strip() for i in range(_row_count(request))]
    found = dict(
        visible_to(user, Customer.objects.filter(code__in=[c for c in codes if c])).values_list(
            "code", "pk"
        )
    )
    for i, code in enumerate(codes):
        if not code:
            continue
        try:
            day = date.fromisoformat(post.get(f"day_{i}", ""))
        except ValueError:
            problems.append((f"lines.{i}.planned_on", _("第 %(n)s 行:请填写日期") % {"n": i + 1}))
            continue
        try:
            expense = Decimal(post.get(f"expense_{i}") or "0")
        except InvalidOperation:
            problems.append((f"lines.{i}.expense", _("第 %(n)s 行:费用应为数字") % {"n": i + 1}))
            continue
        if code not in found:
            problems.append(
                (f"lines.{i}.customer_id", _("第 %(n)s 行:客户不存在或无权查看") % {"n": i + 1})
            )
            continue
        lines.append(
            PlanLine(
                customer_id=found[code],
                planned_on=day,
                purpose=post.get(f"purpose_{i}", ""),
                target=post.get(f"target_{i}", ""),
                items=post.get(f"items_{i}", ""),
                expense=expense,
            )
        )
    return lines, problems


def _row_count(request: HttpRequest) -> int:
    try:
        return min(max(0, int(request.POST.get("rows", "0"))), MAX_LINES + BLANK_ROWS)
    except ValueError:
        return 0


@login_required
def visit_plans(request: HttpRequest) -> HttpResponse:
    user, now, policy = _user(request), timezone.now(), active_policy()
    today = timezone.localdate(now)
    month = _month(request.GET.get("month", ""), month_after(today))
    plan = (
        VisitPlan.objects.filter(owner=user, month=month)
        .prefetch_related("lines__customer")
        .first()
    )
    errors: list[str] = []
    if request.method == "POST":
        lines, problems = _lines(request, user)
        try:
            if problems:
                raise RuleError.of_fields(problems)
            plan = visit_plan_save(
                by=user, month=month, lines=lines, note=request.POST.get("note", ""), now=now
            )
            if request.POST.get("action") == "submit":
                visit_plan_submit(by=user, plan_id=plan.pk, now=now, policy=policy)
                messages.success(request, _("拜访计划已提交主管审核"))
            else:
                messages.success(request, _("拜访计划已保存"))
            return redirect(f"{request.path}?month={month:%Y-%m}")
        except RuleError as exc:
            errors = [m for _f, m in exc.errors] or [exc.message]
    if errors:  # what was typed stays on the form
        post = request.POST
        rows = [
            {
                k: post.get(f"{k}_{i}", "")
                for k in ("customer", "day", "purpose", "target", "items", "expense")
            }
            for i in range(_row_count(request))
        ]
    else:
        rows = [
            {
                "customer": line.customer.code,
                "day": line.planned_on.isoformat(),
                "purpose": line.purpose,
                "target": line.target,
                "items": line.items,
                "expense": str(line.expense) if line.expense else "",
            }
            for line in (plan.lines.all() if plan else [])
        ]
        rows += [{}] * BLANK_ROWS
    own = visible_to(user, Customer.objects.filter(owner=user, merged_into__isnull=True))
    context = {
        "month": month,
        "previous": months_before(month, 1),
        "next": month_after(month),
        "plan": plan,
        "editable": plan is None or plan.state in ("draft", "returned"),
        "rows": rows,
        "errors": errors,
        "due": due_moment(month, policy),
        "my_customers": own.order_by("-last_contact_at").values_list("code", "name")[:300],
        "against": plan_against_actual(user, month=month),
    }
    return render(request, "engagement/plans.html", context)


@login_required
def daily_report(request: HttpRequest) -> HttpResponse:
    """ENG-11: my plan for today beside yesterday's figures; the team's on the same page."""
    from .daily import daily_report_save, team_day
    from .models import DailyReport

    user, today = _user(request), timezone.localdate()
    error = ""
    if request.method == "POST":
        try:
            daily_report_save(by=user, day=today, plan=request.POST.get("plan", ""))
        except RuleError as exc:
            error = exc.message
        else:
            messages.success(request, _("今日计划已保存"))
            return redirect("visits-daily")
    mine = DailyReport.objects.filter(owner=user, day=today).first()
    team = team_day(user, day=today, roles=active_policy().engagement.visit_plan_roles)
    context = {
        "today": today,
        "mine": mine,
        "error": error,
        "typed": request.POST.get("plan", "") if error else (mine.plan if mine else ""),
        "me": next((line for line in team if line.user_id == user.pk), None),
        "team": [line for line in team if line.user_id != user.pk],
    }
    return render(request, "engagement/daily.html", context)


@login_required
def customer_reports(request: HttpRequest) -> HttpResponse:
    """ENG-9: my open 定期汇报 duties, each with its form, and the emergency report."""
    from zhike.grading.treatment import REPORT
    from zhike.workflow.models import Deadline, DeadlineState

    from .reports import emergency_report, periodic_report_submit

    user, now, policy = _user(request), timezone.now(), active_policy()
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "emergency":
                code = request.POST.get("customer", "").strip()
                customer = visible_to(user, Customer.objects.filter(code=code)).first()
                if customer is None:
                    raise RuleError(_("客户不存在或无权查看"), field="customer")
                emergency_report(
                    by=user,
                    customer_id=customer.pk,
                    body=request.POST.get("body", ""),
                    now=now,
                    policy=policy,
                )
                messages.success(request, _("紧急汇报已同时发给各级领导"))
            else:
                periodic_report_submit(
                    by=user,
                    duty_id=int(request.POST.get("duty", "0") or 0),
                    body=request.POST.get("body", ""),
                    now=now,
                    policy=policy,
                )
                messages.success(request, _("定期汇报已提交,将逐级上报"))
            return redirect("visits-reports")
        except (RuleError, ValueError) as exc:
            error = getattr(exc, "message", _("提交的数据有误"))
    duties = Deadline.objects.filter(assignee=user, rule=REPORT, state=DeadlineState.OPEN)
    context = {"duties": list(duties.order_by("due_at")[:20]), "error": error, "form": request.POST}
    return render(request, "engagement/reports.html", context)
