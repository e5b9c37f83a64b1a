"""Service-level clocks (SRV-5): when each target of a complaint falls due, from its start,
the policy's allowance, the business calendar and the complaint's log of clock events.

Pure arithmetic on a :class:`BusinessCalendar`: the services read the log and the policy,
this module computes, so a change of priority, category, calendar or policy recomputes
every target from the same log. Time spent paused (waiting for the customer) moves a
target later by the *working* time inside the pause only: a pause over a weekend or a
holiday adds nothing, and overlapping pauses are merged, so no time is counted twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from zhike.policy.schema import Duration
from zhike.workflow.calendar import BusinessCalendar, Moment
from zhike.workflow.selectors import due_after

PAUSED, RESUMED = "paused", "resumed"


@dataclass(frozen=True)
class Mark:
    kind: str
    at: datetime


def paused_spans(marks: Iterable[Mark]) -> list[tuple[datetime, datetime | None]]:
    """(start, end) of each pause, merged where they overlap; end None: still paused."""
    spans: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = None
    for mark in sorted(marks, key=lambda m: m.at):
        if mark.kind == PAUSED and started is None:
            started = mark.at
        elif mark.kind == RESUMED and started is not None:
            spans.append((started, mark.at))
            started = None
    if started is not None:
        spans.append((started, None))
    return spans


def is_paused(marks: Iterable[Mark]) -> bool:
    spans = paused_spans(marks)
    return bool(spans) and spans[-1][1] is None


def paused_working_time(
    calendar: BusinessCalendar, marks: Iterable[Mark], *, since: datetime, until: datetime
) -> timedelta:
    """Working time inside the pauses between ``since`` and ``until`` (an open pause runs
    to ``until``)."""
    total = timedelta()
    for start, end in paused_spans(marks):
        a, b = max(start, since), min(end or until, until)
        if b > a:
            total += calendar.working_time_between(a, b)
    return total


@dataclass(frozen=True)
class Schedule:
    due_at: datetime
    warn_at: datetime | None
    beyond_data: bool


def _shift(calendar: BusinessCalendar, moment: datetime, by: timedelta) -> Moment:
    if by <= timedelta():
        return Moment(moment)
    return calendar.add_working_hours(moment, by.total_seconds() / 3600)


def schedule(
    calendar: BusinessCalendar,
    *,
    start: datetime,
    allowance: Duration,
    marks: Iterable[Mark],
    now: datetime,
    warn_percent: int,
) -> Schedule:
    """When a target started at ``start`` falls due, and when its handler is warned (at
    ``warn_percent`` of the working time to the nominal due moment; None: no warning)."""
    marks = list(marks)
    nominal = due_after(calendar, start, allowance)
    paused = paused_working_time(calendar, marks, since=start, until=now)
    due = _shift(calendar, nominal.at, paused)
    warn_at = None
    if warn_percent:
        span = calendar.working_time_between(start, nominal.at)
        at = calendar.add_working_hours(start, span.total_seconds() * warn_percent / 100 / 3600)
        warn_at = min(_shift(calendar, at.at, paused).at, due.at)
    return Schedule(due.at, warn_at, nominal.beyond_data or due.beyond_data)
