"""ENG-3 visit plans (s003-4): each salesperson submits next month's plan by the policy's
day for the supervisor's approval; a missing plan is a deadline that escalates; an approved
plan's visits become planned follow-ups, so plan against actual is their outcome."""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.dates import months_before
from zhike.db import unique_or
from zhike.deferred import deferred, stored_title
from zhike.errors import CustomerNotFound
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy
from zhike.workflow.approvals import approval_resubmit, approval_submit
from zhike.workflow.deadlines import deadlines_close, own_level
from zhike.workflow.models import ApprovalRequest, Deadline, DeadlineState

from .errors import Conflict, EngagementError, NotFound
from .models import FollowUp, FollowUpKind, FollowUpState, VisitPlan, VisitPlanLine
from .services import follow_up_record

APPROVAL_KIND = "visit_plan"  # [approvals.visit_plan]
DUTY = "visit_plan"  # [deadlines.visit_plan]: next month's plan is due
MAX_LINES = 200
EDITABLE = (VisitPlan.State.DRAFT, VisitPlan.State.RETURNED)


@dataclass(frozen=True)
class PlanLine:
    customer_id: int
    planned_on: date
    purpose: str
    target: str = ""
    items: str = ""
    expense: Decimal = Decimal(0)


def month_after(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return months_before(day.replace(day=1), -1)


def due_moment(month: date, policy: Policy) -> datetime:
    """When the plan for ``month`` is due: the policy's day of the month before, 18:00."""
    before = months_before(month, 1)
    last = calendar.monthrange(before.year, before.month)[1]
    day = min(policy.engagement.visit_plan_due_day, last)
    return timezone.make_aware(datetime.combine(before.replace(day=day), time(18)))


def _line_problems(by: User, month: date, lines: list[PlanLine]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not lines:
        problems.append(("lines", _("计划中至少要有一位客户")))
    if len(lines) > MAX_LINES:
        problems.append(("lines", _("一个月最多计划 %(n)s 次拜访") % {"n": MAX_LINES}))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    for i, line in enumerate(lines[:MAX_LINES]):
        try:
            access_customer(by, line.customer_id)
        except CustomerNotFound:
            problems.append((f"lines.{i}.customer_id", _("客户不存在或无权查看")))
        if not month <= line.planned_on <= last:
            problems.append(
                (f"lines.{i}.planned_on", _("计划日期须在 %(m)s 内") % {"m": f"{month:%Y-%m}"})
            )
        if not line.purpose.strip():
            problems.append((f"lines.{i}.purpose", _("请填写拜访目的")))
        if line.expense < 0:
            problems.append((f"lines.{i}.expense", _("费用不能为负数")))
    return problems


@transaction.atomic
def visit_plan_save(
    *, by: User, month: date, lines: list[PlanLine], now: datetime, note: str = ""
) -> VisitPlan:
    """Save ``by``'s plan for ``month`` (its lines replace the draft's). Every problem at
    once; nothing saved unless all is well."""
    problems: list[tuple[str, str]] = []
    if month.day != 1 or month < timezone.localdate(now).replace(day=1):
        problems.append(("month", _("只能为本月或以后的月份制定计划")))
    problems += _line_problems(by, month, lines)
    if problems:
        raise EngagementError.of_fields(problems)
    taken = Conflict(_("该月的计划已存在,请刷新后再试"))
    plan = VisitPlan.objects.select_for_update().filter(owner=by, month=month).first()
    if plan is None:
        with unique_or(taken):  # two first saves at once: the constraint keeps one plan
            plan = VisitPlan.objects.create(owner=by, month=month, note=note.strip())
    elif plan.state not in EDITABLE:
        raise EngagementError(_("计划已提交审批,不能再修改"))
    plan.note = note.strip()
    plan.save(update_fields=["note"])
    plan.lines.all().delete()
    VisitPlanLine.objects.bulk_create(
        VisitPlanLine(
            plan=plan,
            customer_id=line.customer_id,
            planned_on=line.planned_on,
            purpose=line.purpose.strip()[:200],
            target=line.target.strip()[:200],
            items=line.items.strip()[:200],
            expense=line.expense,
        )
        for line in lines
    )
    return plan


@transaction.atomic
def visit_plan_submit(*, by: User, plan_id: int, now: datetime, policy: Policy) -> VisitPlan:
    """Send the plan to the supervisor; it fulfils the month's plan duty."""
    plan = VisitPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or plan.owner_id != by.pk:
        raise NotFound(_("拜访计划不存在"))
    if plan.state not in EDITABLE:
        raise EngagementError(_("计划已提交审批,不能重复提交"))
    if not plan.lines.exists():
        raise EngagementError(_("计划中至少要有一位客户"), field="lines")
    returned = plan.state == VisitPlan.State.RETURNED
    plan.state, plan.submitted_at = VisitPlan.State.SUBMITTED, now
    plan.save(update_fields=["state", "submitted_at"])
    if returned:
        request = ApprovalRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(VisitPlan), object_id=plan.pk
        ).latest("id")
        approval_resubmit(request_id=request.pk, by=by, policy=policy, now=now)
    else:
        approval_submit(
            kind=APPROVAL_KIND,
            subject=plan,
            title=deferred("拜访计划:%(who)s %(month)s", who=str(by), month=f"{plan.month:%Y-%m}"),
            by=by,
            policy=policy,
            now=now,
        )
    deadlines_close(subject=by, now=now, rule=DUTY)
    return plan


def on_plan_approved(request: ApprovalRequest, *, policy: Policy) -> None:
    """The approved plan's visits become the salesperson's planned follow-ups."""
    plan = VisitPlan.objects.select_for_update().select_related("owner").get(pk=request.object_id)
    plan.state, plan.decided_at = VisitPlan.State.APPROVED, request.decided_at
    plan.save(update_fields=["state", "decided_at"])
    now = request.decided_at or timezone.now()
    zone = timezone.get_current_timezone()
    for line in plan.lines.filter(follow_up__isnull=True):
        at = max(datetime.combine(line.planned_on, time(9), tzinfo=zone), now)
        line.follow_up = follow_up_record(
            by=plan.owner,
            customer_id=line.customer_id,
            kind=FollowUpKind.VISIT,
            planned=True,
            content=line.purpose,
            occurred_at=at,
            now=now,
            policy=policy,
        )
        line.save(update_fields=["follow_up"])


def _decided(state: str) -> Callable[[ApprovalRequest], None]:
    def handler(request: ApprovalRequest) -> None:
        VisitPlan.objects.filter(pk=request.object_id).update(
            state=state, decided_at=request.decided_at
        )

    return handler


on_plan_rejected = _decided(VisitPlan.State.REJECTED)
on_plan_returned = _decided(VisitPlan.State.RETURNED)


def open_plan_duties(*, policy: Policy, today: date) -> int:
    """The month's duty for each planner: next month's plan, due on the policy's day.
    Idempotent: one open duty per person; none once next month's plan is submitted."""
    if DUTY not in policy.deadlines:
        return 0
    month = month_after(today)
    due = due_moment(month, policy)
    chain = policy.escalation[policy.deadlines[DUTY].escalation].roles
    user_type = ContentType.objects.get_for_model(User)
    planners = User.objects.filter(
        is_active=True, roles__code__in=policy.engagement.visit_plan_roles
    ).distinct()
    done = VisitPlan.objects.filter(month=month).exclude(state__in=EDITABLE).values("owner_id")
    open_duties = Deadline.objects.filter(
        rule=DUTY, content_type=user_type, state=DeadlineState.OPEN
    ).values("object_id")
    rows = [
        Deadline(
            rule=DUTY,
            **stored_title(deferred("提交 %(month)s 拜访计划", month=f"{month:%Y-%m}")),
            link="/visits/plans/",
            content_type=user_type,
            object_id=person.pk,
            assignee=person,
            due_at=due,
            next_escalation_at=due,
            escalation=policy.deadlines[DUTY].escalation,
            escalation_level=own_level(person, chain),
            policy_version=policy.policy.version,
        )
        for person in planners.exclude(pk__in=done).exclude(pk__in=open_duties)
    ]
    return len(Deadline.objects.bulk_create(rows))


@dataclass(frozen=True)
class PlanAgainstActual:
    user_id: int
    name: str
    state: str  # the plan's state, "" when there is none
    state_label: str
    planned: int
    done: int  # planned visits that took place
    visits: int  # all visits done in the month


def plan_against_actual(user: User, *, month: date) -> list[PlanAgainstActual]:
    """Per person in ``user``'s scope, for ``month``: planned visits, those done, all
    visits done — three grouped queries."""
    plans = {
        p.owner_id: p
        for p in visible_to(user, VisitPlan.objects.filter(month=month)).select_related("owner")
    }
    lines = dict(
        VisitPlanLine.objects.filter(plan__in=list(plans.values()))
        .values("plan__owner")
        .annotate(
            n=Count("pk"),
        )
        .values_list("plan__owner", "n")
    )
    done = dict(
        VisitPlanLine.objects.filter(
            plan__in=list(plans.values()), follow_up__state=FollowUpState.DONE
        )
        .values("plan__owner")
        .annotate(n=Count("pk"))
        .values_list("plan__owner", "n")
    )
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    visits_by: dict[int, tuple[str, int]] = {}
    for by_id, display, username, n in (
        visible_to(user, FollowUp.objects.all())
        .filter(
            Q(kind=FollowUpKind.VISIT, state=FollowUpState.DONE),
            occurred_at__date__gte=month,
            occurred_at__date__lte=last,
        )
        .values("by")
        .annotate(n=Count("pk"))
        .values_list("by", "by__display_name", "by__username", "n")
    ):
        visits_by[by_id] = (display or username, n)
    people = set(plans) | set(visits_by)
    rows = [
        PlanAgainstActual(
            user_id=pk,
            name=str(plans[pk].owner) if pk in plans else visits_by[pk][0],
            state=plans[pk].state if pk in plans else "",
            state_label=str(plans[pk].get_state_display()) if pk in plans else "",
            planned=lines.get(pk, 0),
            done=done.get(pk, 0),
            visits=visits_by.get(pk, ("", 0))[1],
        )
        for pk in people
    ]
    return sorted(rows, key=lambda r: r.name)
