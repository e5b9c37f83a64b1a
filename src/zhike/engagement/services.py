"""Follow-ups (ENG-6) and visit reports (ENG-4): the only code that writes them.

A follow-up is planned (a visit to make: a reminder in the planner's inbox at its time) or
recorded done. Done, it may count as contact (the policy's ``qualifying_contact``), it
closes the reminders it fulfils (the customer's next-step reminder, the planned visit's,
GRD-10's revisit duty), a visit owes its report within ``[deadlines.visit_report]``, and
its next step becomes a reminder at its next time."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.archive.services import contact_recorded, next_contact_planned
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.deadlines import deadline_open_by_rule, deadlines_close
from zhike.workflow.models import Deadline, DeadlineState
from zhike.workflow.todos import reminder_open, todo_add

from .errors import Conflict, EngagementError, NotFound, PermissionDenied
from .models import FollowUp, FollowUpKind, FollowUpState, VisitReport
from .report_review import ask_review

RECORD = "engagement.add_followup"
NEXT_STEP = "follow_up_next"  # the reminder of a follow-up's next step
PLANNED = "follow_up_planned"  # the reminder of a planned follow-up
VISIT_REPORT = "visit_report"  # [deadlines.visit_report]
REVISIT = "revisit"  # grading.treatment's revisit duty (GRD-10): a visit fulfils it
CONTENT_MAX = 5000


@dataclass(frozen=True)
class Location:
    """外勤签到: where the browser said the phone was (WGS-84, as the Geolocation API
    gives it), how sure it was, and when."""

    latitude: Decimal
    longitude: Decimal
    accuracy_m: int
    at: datetime


def _problems_of_location(location: Location | None) -> list[tuple[str, str]]:
    if location is None:
        return []
    if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        return [("location", _("定位坐标无效"))]
    if location.accuracy_m < 0:
        return [("location", _("定位精度无效"))]
    return []


def _next_and_place_problems(
    kind: str,
    next_at: datetime | None,
    location: Location | None,
    *,
    now: datetime,
    policy: Policy,
    done: bool,
) -> list[tuple[str, str]]:
    """The next time is ahead; the check-in is valid, and present on a done visit when the
    policy requires it."""
    problems = []
    if next_at is not None and next_at < now:
        problems.append(("next_at", _("下次跟进时间不能早于现在")))
    problems += _problems_of_location(location)
    rule = policy.engagement
    if done and rule.check_in == "require" and kind in rule.check_in_kinds and location is None:
        problems.append(("location", _("管理制度要求拜访时签到:请允许浏览器获取位置后再提交")))
    return problems


def _may_record(by: User, customer_id: int) -> Customer:
    customer = access_customer(by, customer_id)  # the same "not found" outside the scope
    if not by.has_perm(RECORD):
        raise PermissionDenied(_("您没有记录跟进的权限"))
    return customer


@transaction.atomic
def follow_up_record(
    *,
    by: User,
    customer_id: int,
    kind: str,
    now: datetime,
    policy: Policy,
    content: str = "",
    planned: bool = False,
    occurred_at: datetime | None = None,
    outcome: str = "",
    channel: str = "",
    next_step: str = "",
    next_at: datetime | None = None,
    location: Location | None = None,
) -> FollowUp:
    """Record a done follow-up, or plan one (``planned``: ``occurred_at`` is the planned
    time, ``content`` its purpose). Every problem is reported at once; nothing is saved
    unless all is well."""
    customer = _may_record(by, customer_id)
    content, outcome = content.strip(), outcome.strip()
    problems: list[tuple[str, str]] = []
    if kind not in FollowUpKind.values:
        problems.append(("kind", _("请选择跟进方式")))
    if not content:
        problems.append(("content", _("请填写拜访目的") if planned else _("跟进内容不能为空")))
    elif len(content) > CONTENT_MAX:
        problems.append(("content", _("内容不能超过 %(n)s 字") % {"n": CONTENT_MAX}))
    if planned:
        if occurred_at is None:
            problems.append(("occurred_at", _("请填写计划时间")))
        elif occurred_at < now:
            problems.append(("occurred_at", _("计划时间不能早于现在")))
    elif occurred_at is not None and occurred_at > now:
        problems.append(("occurred_at", _("跟进时间不能晚于现在")))
    problems += _next_and_place_problems(
        kind, next_at, location, now=now, policy=policy, done=not planned
    )
    if problems:
        raise EngagementError.of_fields(problems)
    follow_up = FollowUp.objects.create(
        customer=customer,
        kind=kind,
        state=FollowUpState.PLANNED if planned else FollowUpState.DONE,
        channel=channel.strip()[:50],
        content=content,
        outcome=outcome,
        next_step=next_step.strip()[:200],
        next_at=None if planned else next_at,
        planned_at=occurred_at if planned else None,
        occurred_at=occurred_at or now,
        by=by,
        **_location_fields(location),
    )
    if planned:
        reminder_open(
            rule=PLANNED,
            title=deferred(
                "计划%(kind)s:%(name)s", kind=follow_up.get_kind_display(), name=customer.name
            ),
            assignee=by,
            due_at=follow_up.occurred_at,
            subject=follow_up,
            policy=policy,
            link=f"/follow-ups/{follow_up.pk}/",
        )
        _plan_changed(customer.pk)
    else:
        _after_done(follow_up, customer, now=now, policy=policy)
    return follow_up


def _location_fields(location: Location | None) -> dict:
    if location is None:
        return {}
    return {
        "latitude": location.latitude.quantize(Decimal("0.000001")),
        "longitude": location.longitude.quantize(Decimal("0.000001")),
        "accuracy_m": location.accuracy_m,
        "located_at": location.at,
    }


def qualifies_as_contact(follow_up: FollowUp, policy: Policy) -> bool:
    rule = policy.engagement.qualifying_contact
    return follow_up.kind in rule.kinds and len(follow_up.content) >= rule.min_content_chars


def _after_done(follow_up: FollowUp, customer: Customer, *, now: datetime, policy: Policy) -> None:
    by = follow_up.by
    # This contact is what the earlier next-step reminder asked for.
    deadlines_close(subject=customer, now=now, rule=NEXT_STEP, assignee=by)
    if follow_up.kind == FollowUpKind.VISIT:
        # A visit by the duty's assignee is the revisit of GRD-10 (grading.treatment).
        deadlines_close(subject=customer, now=now, rule=REVISIT, assignee=by)
        if VISIT_REPORT in policy.deadlines:
            deadline_open_by_rule(
                rule=VISIT_REPORT,
                assignee=by,
                start=follow_up.occurred_at,
                policy=policy,
                title=deferred("拜访报告:%(name)s", name=customer.name),
                subject=follow_up,
                link=f"/follow-ups/{follow_up.pk}/",
            )
    if follow_up.next_at is not None:
        reminder_open(
            rule=NEXT_STEP,
            title=deferred(
                "跟进:%(name)s(%(step)s)",
                name=customer.name,
                step=follow_up.next_step or follow_up.content[:40],
            ),
            assignee=by,
            due_at=follow_up.next_at,
            subject=customer,
            policy=policy,
            link=f"/customers/{customer.pk}/?tab=timeline",
        )
    contact_recorded(
        customer_id=customer.pk,
        kind=follow_up.kind,
        contacted_at=follow_up.occurred_at if qualifies_as_contact(follow_up, policy) else None,
        next_contact_at=_next_contact(customer.pk),
        now=now,
        policy=policy,
    )


def _next_contact(customer_id: int) -> datetime | None:
    """The customer's next contact: the earliest planned follow-up or open next step."""
    planned = FollowUp.objects.filter(
        customer_id=customer_id, state=FollowUpState.PLANNED
    ).aggregate(at=Min("occurred_at"))["at"]
    step = Deadline.objects.filter(
        rule=NEXT_STEP,
        object_id=customer_id,
        content_type__model="customer",
        state=DeadlineState.OPEN,
    ).aggregate(at=Min("due_at"))["at"]
    return min((t for t in (planned, step) if t is not None), default=None)


def _plan_changed(customer_id: int) -> None:
    next_contact_planned(customer_id=customer_id, at=_next_contact(customer_id))


def _own_planned(by: User, follow_up_id: int) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_for_update()
        .select_related("customer")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        raise NotFound(_("跟进记录不存在"))
    access_customer(by, follow_up.customer_id)
    if follow_up.by_id != by.pk:
        raise PermissionDenied(_("只能完成自己计划的跟进"))
    if follow_up.state != FollowUpState.PLANNED:
        raise EngagementError(_("该跟进已完成或已取消"))
    return follow_up


@transaction.atomic
def follow_up_complete(
    *,
    by: User,
    follow_up_id: int,
    content: str,
    now: datetime,
    policy: Policy,
    outcome: str = "",
    occurred_at: datetime | None = None,
    next_step: str = "",
    next_at: datetime | None = None,
    location: Location | None = None,
) -> FollowUp:
    """A planned follow-up was done: what happened replaces the purpose it was planned
    with (the purpose stays in the outcome's first line when no content is given)."""
    follow_up = _own_planned(by, follow_up_id)
    content = content.strip() or follow_up.content
    problems: list[tuple[str, str]] = []
    if occurred_at is not None and occurred_at > now:
        problems.append(("occurred_at", _("跟进时间不能晚于现在")))
    problems += _next_and_place_problems(
        follow_up.kind, next_at, location, now=now, policy=policy, done=True
    )
    if problems:
        raise EngagementError.of_fields(problems)
    follow_up.state = FollowUpState.DONE
    follow_up.content, follow_up.outcome = content[:CONTENT_MAX], outcome.strip()
    follow_up.occurred_at = occurred_at or now
    follow_up.next_step, follow_up.next_at = next_step.strip()[:200], next_at
    for name, value in _location_fields(location).items():
        setattr(follow_up, name, value)
    follow_up.save()
    deadlines_close(subject=follow_up, now=now, rule=PLANNED)
    _after_done(follow_up, follow_up.customer, now=now, policy=policy)
    return follow_up


@transaction.atomic
def follow_up_cancel(*, by: User, follow_up_id: int, now: datetime) -> FollowUp:
    follow_up = _own_planned(by, follow_up_id)
    follow_up.state = FollowUpState.CANCELLED
    follow_up.save(update_fields=["state"])
    deadlines_close(subject=follow_up, now=now, rule=PLANNED, cancelled=True)
    _plan_changed(follow_up.customer_id)
    return follow_up


@dataclass(frozen=True)
class Promise:
    """A follow-up the visit report promises the customer: a to-do of the reporter."""

    title: str
    due_at: datetime


@transaction.atomic
def visit_report_submit(
    *,
    by: User,
    visit_id: int,
    summary: str,
    now: datetime,
    policy: Policy,
    promises: list[Promise] | None = None,
) -> VisitReport:
    """ENG-4: the report of a done visit, by the person who made it. It closes the visit's
    拜访报告 deadline; each promise becomes a to-do about the customer."""
    visit = (
        FollowUp.objects.select_for_update().select_related("customer").filter(pk=visit_id).first()
    )
    if visit is None:
        raise NotFound(_("拜访记录不存在"))
    access_customer(by, visit.customer_id)
    if visit.kind != FollowUpKind.VISIT or visit.state != FollowUpState.DONE:
        raise EngagementError(_("只有已完成的拜访可以提交拜访报告"))
    if visit.by_id != by.pk:
        raise PermissionDenied(_("只能为自己的拜访提交报告"))
    already = Conflict(_("这次拜访已提交过报告"))
    if VisitReport.objects.filter(visit=visit).exists():
        raise already
    summary = summary.strip()
    problems: list[tuple[str, str]] = []
    if not summary:
        problems.append(("summary", _("请填写拜访情况")))
    for i, promise in enumerate(promises or []):
        if not promise.title.strip():
            problems.append((f"promises.{i}.title", _("请填写答应客户的事项")))
        if promise.due_at < now:
            problems.append((f"promises.{i}.due_at", _("到期时间不能早于现在")))
    if problems:
        raise EngagementError.of_fields(problems)
    with unique_or(already):  # two submissions at once: the one-to-one keeps one
        report = VisitReport.objects.create(visit=visit, summary=summary, by=by, submitted_at=now)
    deadlines_close(subject=visit, now=now, rule=VISIT_REPORT)
    ask_review(report, by=by, policy=policy, now=now)  # 呈主管审核, where the policy asks it
    for promise in promises or []:
        todo_add(
            by=by,
            title=_("答应%(name)s:%(what)s") % {"name": visit.customer.name, "what": promise.title},
            due_at=promise.due_at,
            now=now,
            policy=policy,
            subject=visit.customer,
            link=f"/customers/{visit.customer_id}/?tab=timeline",
        )
    return report


def move_follow_ups(keep: Customer, duplicate: Customer) -> None:
    """A merge (archive.merging hook): the duplicate's follow-ups are the kept customer's."""
    FollowUp.objects.filter(customer=duplicate).update(customer=keep)
