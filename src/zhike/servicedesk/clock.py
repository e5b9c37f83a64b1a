"""A complaint's clock (SRV-5): its targets opened, paused, resumed, met and recomputed
from the append-only clock log. The arithmetic is :mod:`.sla`; this module reads the log,
writes the targets and keeps ``Complaint.due_at`` (the queue's key) in step."""

import hashlib
from datetime import datetime

from zhike.org.models import User
from zhike.policy.schema import Duration, Policy
from zhike.workflow.models import CalendarOverride
from zhike.workflow.selectors import company_calendar

from . import sla
from .models import ClockEvent, ClockKind, Complaint, Target, TargetKind


def computed_under(policy: Policy) -> str:
    """What a target's due moment depends on beside its log: the policy version and the
    calendar's company and department overrides (a digest). A target computed under another
    key is recomputed by the next sweep (SRV-5: a policy or calendar change moves open
    deadlines). The overrides are a few rows a year."""
    rows = CalendarOverride.objects.order_by("day", "department_id").values_list(
        "day", "is_workday", "department_id"
    )
    digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:8]
    return f"{policy.policy.version[:40]}~{digest}"


def allowance(policy: Policy, kind: str) -> Duration:
    service = policy.service
    return {
        TargetKind.SOLUTION: service.solution_within,
        TargetKind.CLOSURE: service.closure_within,
        TargetKind.WARNING: service.major_warning_within,
        TargetKind.DOCUMENT: service.product_document_within,
    }[TargetKind(kind)]


def _marks(complaint: Complaint) -> list[sla.Mark]:
    return [sla.Mark(kind, at) for kind, at in complaint.clock.values_list("kind", "at")]


def log(complaint: Complaint, kind: str, *, at: datetime, by: User | None, note: str = "") -> None:
    ClockEvent.objects.create(complaint=complaint, kind=kind, at=at, by=by, note=note[:200])


def open_targets(
    complaint: Complaint, kinds: list[str], *, start: datetime, policy: Policy, now: datetime
) -> None:
    """Targets of the complaint's current round (``reopened``), each once."""
    Target.objects.bulk_create(
        [
            Target(
                complaint=complaint,
                kind=kind,
                round=complaint.reopened,
                start=start,
                due_at=start,  # computed just below, from the log
                policy_version="",
            )
            for kind in kinds
        ],
        ignore_conflicts=True,
    )
    refresh(complaint, policy=policy, now=now)


def refresh(complaint: Complaint, *, policy: Policy, now: datetime) -> None:
    """Recompute every open target from its start, the policy's allowance in force, the
    calendar of the handling department and the clock log; then the complaint's due."""
    calendar = company_calendar(policy, complaint.department)
    key = computed_under(policy)
    marks = _marks(complaint)
    paused = sla.is_paused(marks)
    due: list[datetime] = []
    for target in complaint.targets.filter(met_at__isnull=True):
        schedule = sla.schedule(
            calendar,
            start=target.start,
            allowance=allowance(policy, target.kind),
            marks=marks,
            now=now,
            warn_percent=policy.service.warn_at_percent,
        )
        target.due_at, target.warn_at = schedule.due_at, schedule.warn_at
        target.beyond_calendar_data = schedule.beyond_data
        target.policy_version = key
        target.next_check_at = _next_check(target, paused=paused)
        target.save(
            update_fields=[
                "due_at",
                "warn_at",
                "beyond_calendar_data",
                "policy_version",
                "next_check_at",
            ]
        )
        if target.breached_at is None:
            due.append(target.due_at)
    complaint.paused = paused
    complaint.due_at = min(due, default=None)
    complaint.save(update_fields=["paused", "due_at"])


def _next_check(target: Target, *, paused: bool) -> datetime | None:
    """When the sweep must look at the target next: its warning, then its due moment;
    never while paused, met or already breached (each warning and breach happens once)."""
    if paused or target.met_at or target.breached_at:
        return None
    if target.warned_at is None and target.warn_at is not None and target.warn_at < target.due_at:
        return target.warn_at
    return target.due_at


def meet(complaint: Complaint, kinds: list[str], *, now: datetime, policy: Policy) -> None:
    """The work a target stands for is done: the target stops, met (or met late)."""
    complaint.targets.filter(kind__in=kinds, met_at__isnull=True).update(
        met_at=now, next_check_at=None
    )
    refresh(complaint, policy=policy, now=now)


def stop_all(complaint: Complaint, *, now: datetime, by: User | None, policy: Policy) -> None:
    """The complaint is closed: every open target is met now, the clock stops."""
    log(complaint, ClockKind.STOPPED, at=now, by=by)
    meet(complaint, [k.value for k in TargetKind], now=now, policy=policy)


def recompute(
    complaint: Complaint, *, now: datetime, by: User | None, why: str, policy: Policy
) -> None:
    """Priority, category or severity changed: the targets follow, and the log says why."""
    log(complaint, ClockKind.TARGET_CHANGED, at=now, by=by, note=why)
    refresh(complaint, policy=policy, now=now)


def refresh_stale(*, policy: Policy, now: datetime, batch: int = 500) -> int:
    """Recompute the open targets computed under another policy version or calendar
    (:func:`computed_under`), a batch at a time, each complaint locked; the sweep calls it
    first. Paused ones wait for their resume."""
    from django.db import transaction

    stale = (
        Target.objects.filter(next_check_at__isnull=False)
        .exclude(policy_version=computed_under(policy))
        .values_list("complaint_id", flat=True)
        .distinct()
    )
    done = 0
    for complaint_id in list(stale[:batch]):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            log(complaint, ClockKind.TARGET_CHANGED, at=now, by=None, note="policy/calendar")
            refresh(complaint, policy=policy, now=now)
        done += 1
    return done
