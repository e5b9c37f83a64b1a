"""Reads of the workflow core: calendars, the inbox, approvals waiting for a person."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import router
from django.db.models import Count, Expression, F, Q, QuerySet

from zhike.compiled import CompiledQuery
from zhike.db import CountOf
from zhike.org.models import Department, User
from zhike.policy.schema import Duration, Policy

from .calendar import BusinessCalendar, Moment, WorkPeriod
from .models import (
    ApprovalRequest,
    ApprovalStep,
    CalendarOverride,
    Deadline,
    DeadlineState,
    Delegation,
    Notice,
    StepState,
)


def company_calendar(policy: Policy, department: Department | None = None) -> BusinessCalendar:
    """The official calendar with the company's overrides, and the department's own
    overrides (they win) when ``department`` is given."""
    rows = CalendarOverride.objects.filter(
        Q(department__isnull=True) | Q(department=department)
        if department
        else Q(department__isnull=True)
    ).values_list("day", "is_workday", "department_id")
    overrides: dict = {}
    for day, is_workday, _department in sorted(rows, key=lambda r: r[2] is not None):
        overrides[day] = is_workday  # department rows sort last and win
    return BusinessCalendar(
        tz=ZoneInfo(settings.TIME_ZONE),
        periods=[WorkPeriod(start, end) for start, end in policy.calendar.work_periods],
        overrides=overrides,
    )


def due_after(calendar: BusinessCalendar, start: datetime, allowance: Duration) -> Moment:
    """``start`` plus a policy allowance, in working days, working hours or calendar days."""
    if allowance.working_days is not None:
        return calendar.add_working_days(start, allowance.working_days)
    if allowance.working_hours is not None:
        return calendar.add_working_hours(start, allowance.working_hours)
    return calendar.add_calendar_days(start, allowance.calendar_days or 0)


def absent_colleagues_of(delegate: User, *, now: datetime) -> list[int]:
    """Ids of the people ``delegate`` acts for at ``now`` (ORG-3)."""
    return list(_absent_colleagues(delegate, now=now))


def _absent_colleagues(delegate: User, *, now: datetime) -> QuerySet[Delegation, int]:
    return Delegation.objects.filter(
        delegate=delegate, starts_at__lte=now, ends_at__gt=now
    ).values_list("absent_id", flat=True)


def steps_waiting_for(user: User, *, now: datetime) -> QuerySet[ApprovalStep]:
    """Active steps ``user`` may decide: as a candidate or as a delegate of one."""
    acting = Q(candidates=user) | Q(candidates__in=_absent_colleagues(user, now=now))
    return (
        ApprovalStep.objects.filter(acting, state=StepState.ACTIVE)
        .exclude(request__requester=user)
        .select_related("request", "request__requester")
        .distinct()
        .order_by("request__created_at")
    )


def approvals_submitted_by(user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(requester=user).order_by("-id")


def approvals_decided_by(user: User) -> QuerySet[ApprovalRequest]:
    return (
        ApprovalRequest.objects.filter(steps__acted_by=user)
        .select_related("requester")
        .distinct()
        .order_by("-id")
    )


def access_approval(user: User, request_id: int, *, now: datetime) -> ApprovalRequest:
    """An approval the user takes part in (requester, candidate, delegate, actor), or
    ``ApprovalRequest.DoesNotExist`` — the same for a missing one and one out of reach."""
    request = ApprovalRequest.objects.select_related("requester").get(pk=request_id)
    if user.is_superuser or request.requester_id == user.pk:
        return request
    steps = request.steps.all()
    involved = steps.filter(Q(candidates=user) | Q(acted_by=user)).exists()
    if not involved:
        absent = absent_colleagues_of(user, now=now)
        involved = bool(absent) and steps.filter(candidates__in=absent).exists()
    if not involved:
        raise ApprovalRequest.DoesNotExist
    return request


@dataclass(frozen=True)
class Inbox:
    overdue: list[Deadline]
    due: list[Deadline]
    approvals: list[ApprovalStep]
    notices: list[Notice]
    unread_count: int
    overdue_count: int = 0
    due_count: int = 0


# The treatment priority of the customer an inbox item is about (GRD-10): an expression
# over the deadline's row, registered by the grading app (workflow cannot know grades).
_priority: Callable[[], Expression] | None = None


def register_inbox_priority(expression: Callable[[], Expression]) -> None:
    global _priority
    _priority = expression


def inbox_for(user: User, *, now: datetime, limit: int = 20) -> Inbox:
    """NTF-1: a person's overdue and due items, approvals waiting and unread notices.

    Items about more important customers come first (the registered priority, 1 first),
    then by due time."""
    open_items = open_items_of(user)
    return Inbox(
        overdue=list(open_items.filter(due_at__lt=now)[:limit]),
        due=list(open_items.filter(due_at__gte=now)[:limit]),
        approvals=list(steps_waiting_for(user, now=now)[:limit]),
        notices=list(
            Notice.objects.filter(recipient=user, read_at__isnull=True).order_by("-id")[:limit]
        ),
        unread_count=unread_count(user),
        **Deadline.objects.filter(assignee=user, state=DeadlineState.OPEN).aggregate(
            overdue_count=Count("pk", filter=Q(due_at__lt=now)),
            due_count=Count("pk", filter=Q(due_at__gte=now)),
        ),
    )


def open_items_of(user: User) -> QuerySet[Deadline]:
    """All of a person's open items in the inbox's order (the 全部待办 page)."""
    items = Deadline.objects.filter(assignee=user, state=DeadlineState.OPEN)
    if _priority is not None:
        return items.annotate(customer_priority=_priority()).order_by(
            F("customer_priority").asc(nulls_last=True), "due_at", "id"
        )
    return items.order_by("due_at", "id")


def unread_count(user: User) -> int:
    return _unread(user).count()


def _unread(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user, read_at__isnull=True)


@dataclass(frozen=True)
class Badges:
    inbox: int  # overdue deadlines and unread notices
    approvals: int  # steps waiting for the person's decision


def _badge_counts(user: int, now: datetime) -> QuerySet[User, Any]:
    person = User(pk=user)
    overdue = Deadline.objects.filter(assignee=person, state=DeadlineState.OPEN, due_at__lt=now)
    waiting = steps_waiting_for(person, now=now).order_by().values("pk")
    return User.objects.filter(pk=user).values(
        overdue=CountOf(overdue.values("pk")),
        unread=CountOf(_unread(person).values("pk")),
        waiting=CountOf(waiting),
    )


# Compiled once: every page runs it, and compiling it cost more than running it.
_BADGE_COUNTS = CompiledQuery(_badge_counts, ids=("user",), times=("now",))


def navigation_badges(user: User, *, now: datetime) -> Badges:
    """The counts every page's navigation shows (NTF-1), in one statement instead of four
    (a round trip, and a parse and plan on the server, each)."""
    counts = _BADGE_COUNTS.one(router.db_for_read(User), user=user.pk, now=now)
    return Badges(inbox=counts["overdue"] + counts["unread"], approvals=counts["waiting"])


def notices_of(user: User) -> QuerySet[Notice]:
    """All of a person's notices, newest first (the notices page pages through them)."""
    return Notice.objects.filter(recipient=user).order_by("-id")
