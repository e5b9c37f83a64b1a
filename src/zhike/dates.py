"""Calendar-month arithmetic shared by the ledger and grading, and the forms' moments (no
working days here: those are workflow.calendar's)."""

import calendar
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def form_moment(raw: str, *, day_ends_at: time = time(18)) -> datetime | None:
    """A moment typed in a form: "2026-12-01T09:30" (a datetime-local field), "2026-12-01
    09:30", or a day alone (``day_ends_at`` that day), in the company's time zone; None
    when empty. Raises ValueError for anything else."""
    raw = raw.strip()
    if not raw:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        moment = datetime.combine(date.fromisoformat(raw), day_ends_at)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def form_day(raw: str | None) -> date | None:
    """A day typed in a form (2026-11-20); None for blank or anything that is not a day,
    2026-13-01 too (``parse_date`` raises for those)."""
    try:
        return parse_date((raw or "").strip())
    except ValueError:
        return None


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 Aug − 6 = 28/29 Feb);
    a negative ``months`` is that many months later."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_end(day: date, *, at: time = time(18)) -> datetime:
    """The end of ``day``'s working hours (18:00) in the company's time zone: when a
    deadline "on" a day falls due."""
    return timezone.make_aware(datetime.combine(day, at))
