"""Business calendar (SRV-5): China's official holidays and make-up workdays (调休) from
the `chinesecalendar` package, company overrides on top, and working hours from the policy.

:class:`BusinessCalendar` is pure: it is given the overrides and the working periods and
does date arithmetic, so it can be tested exhaustively. ``company_calendar`` builds one
from the policy and the admin's overrides in the database.

Beyond the package's data (it knows 2004 up to the latest year the State Council has
announced), a date counts as a workday on Monday–Friday only, unless the admin entered the
year's holidays as overrides; every computation that touched such a date says so
(``beyond_data``), and the deadline shows a warning.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

_DATA_YEARS = (
    min(d.year for d in chinese_calendar.constants.holidays),
    max(d.year for d in chinese_calendar.constants.holidays),
)


def official_data_years() -> tuple[int, int]:
    """First and last year the holiday package has official data for."""
    return _DATA_YEARS


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


@dataclass(frozen=True)
class WorkPeriod:
    start: time
    end: time


@dataclass(frozen=True)
class Moment:
    """A computed moment and whether it relied on days beyond the official data."""

    at: datetime
    beyond_data: bool = False


class BusinessCalendar:
    def __init__(
        self,
        *,
        tz: ZoneInfo,
        periods: Iterable[WorkPeriod] = (
            WorkPeriod(time(9), time(12)),
            WorkPeriod(time(13), time(18)),
        ),
        overrides: Mapping[date, bool] | None = None,
        max_span_days: int = 3660,
    ):
        """``overrides`` maps a date to True (a company workday) or False (a day off)."""
        self.tz = tz
        self.periods = tuple(sorted(periods, key=lambda p: p.start))
        if not self.periods or any(p.start >= p.end for p in self.periods):
            raise ValueError("working periods must be non-empty, each start before its end")
        self.overrides = dict(overrides or {})
        self.max_span_days = max_span_days  # guards loops against a calendar with no workdays

    # --- days -----------------------------------------------------------------------------
    def is_beyond_data(self, day: date) -> bool:
        first, last = _DATA_YEARS
        return not first <= day.year <= last and day not in self.overrides

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if self.is_beyond_data(day):
            return day.weekday() < 5
        return _official_workday(day)

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("moments must be timezone-aware")
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def add_calendar_days(self, moment: datetime, days: int) -> Moment:
        return Moment(moment + timedelta(days=days))

    def add_working_days(self, moment: datetime, days: int) -> Moment:
        """The same clock time on the ``days``-th working day after ``moment``'s date.
        Friday 10:00 + 1 working day = Monday 10:00 (or Tuesday after a Monday holiday)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        local = self._local(moment)
        day, beyond = local.date(), False
        counted = 0
        for _ in range(self.max_span_days):
            if counted == days:
                break
            day += timedelta(days=1)
            beyond |= self.is_beyond_data(day)
            if self.is_workday(day):
                counted += 1
        else:
            raise ValueError("no working days within the calendar's span")
        return Moment(self._at(day, local.timetz().replace(tzinfo=None)), beyond)

    # --- hours ----------------------------------------------------------------------------
    def _working_intervals(self, start_day: date) -> Iterator[tuple[datetime, datetime, bool]]:
        """(start, end, beyond) of every working period from ``start_day`` on."""
        day = start_day
        for _ in range(self.max_span_days):
            if self.is_workday(day):
                beyond = self.is_beyond_data(day)
                for period in self.periods:
                    yield self._at(day, period.start), self._at(day, period.end), beyond
            day += timedelta(days=1)
        raise ValueError("no working time within the calendar's span")

    def next_working_moment(self, moment: datetime) -> Moment:
        """``moment`` if it lies in working time, else the start of the next working period."""
        local = self._local(moment)
        for start, end, beyond in self._working_intervals(local.date()):
            if local < end:
                return Moment(max(start, local), beyond)
        raise AssertionError("unreachable")

    def add_working_hours(self, moment: datetime, hours: float) -> Moment:
        """The moment when ``hours`` of working time have passed since ``moment``."""
        if hours < 0:
            raise ValueError("hours must be >= 0")
        remaining = timedelta(hours=hours)
        local = self._local(moment)
        beyond = False
        for start, end, period_beyond in self._working_intervals(local.date()):
            if local >= end:
                continue
            begin = max(start, local)
            beyond |= period_beyond
            if begin + remaining <= end:
                return Moment(begin + remaining, beyond)
            remaining -= end - begin
        raise AssertionError("unreachable")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_time_between(end, start)
        a, b = self._local(start), self._local(end)
        total = timedelta()
        for p_start, p_end, _beyond in self._working_intervals(a.date()):
            if p_start >= b:
                break
            overlap = min(p_end, b) - max(p_start, a)
            if overlap > timedelta():
                total += overlap
        return total


def holiday_name(key: str, *, chinese: bool) -> str:
    """An official holiday's name from the package's key ("Spring Festival"): 春节 in
    Chinese, the key itself in English."""
    if not chinese:
        return key
    names = {h.value: h.chinese for h in chinese_calendar.constants.Holiday}
    return names.get(key, key)


def days_off_and_workdays(year: int) -> tuple[list[tuple[date, str]], list[date]]:
    """The official holidays (with their package keys, see :func:`holiday_name`) and the
    make-up workdays of ``year``, for the admin."""
    first, last = _DATA_YEARS
    if not first <= year <= last:
        return [], []
    holidays = [
        (day, name)
        for day, name in sorted(chinese_calendar.constants.holidays.items())
        if day.year == year
    ]
    workdays = sorted(
        d for d in chinese_calendar.constants.workdays if d.year == year and d.weekday() >= 5
    )
    return holidays, workdays
