"""SRV-5: working days per China's official holidays and make-up workdays, company
overrides, working hours, and a clear flag beyond the package's data."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhike.workflow.calendar import BusinessCalendar, WorkPeriod, official_data_years

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(tz=SHANGHAI)


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2025, 1, 26), True),  # Sunday, make-up workday for Spring Festival
        (date(2025, 2, 8), True),  # Saturday, make-up workday
        (date(2025, 1, 28), False),  # Spring Festival eve
        (date(2025, 2, 4), False),  # last day of Spring Festival break
        *[(date(2025, 10, d), False) for d in range(1, 9)],  # National Day + Mid-autumn
        (date(2025, 10, 11), True),  # Saturday, make-up workday
        (date(2025, 10, 9), True),
        (date(2024, 2, 4), True),  # Sunday make-up workday
        (date(2024, 10, 7), False),
        (date(2024, 9, 29), True),  # Sunday make-up workday
        (date(2026, 2, 14), True),  # Saturday make-up workday
        (date(2026, 10, 1), False),
        (date(2026, 11, 23), True),  # an ordinary Monday
        (date(2026, 11, 22), False),  # an ordinary Sunday
    ],
)
def test_srv_5_official_holidays_and_make_up_days(day: date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday


def test_srv_5_add_working_days_skips_the_national_day_break() -> None:
    # Tuesday 2025-09-30 + 1 working day → Thursday 2025-10-09, same clock time.
    assert CAL.add_working_days(at(2025, 9, 30), 1).at == at(2025, 10, 9)
    # Friday 2025-10-10 + 1 → Saturday 2025-10-11 (a make-up workday).
    assert CAL.add_working_days(at(2025, 10, 10), 1).at == at(2025, 10, 11)
    # Friday + 1 in an ordinary week → Monday.
    assert CAL.add_working_days(at(2026, 11, 20), 1).at == at(2026, 11, 23)


def test_srv_5_working_hours_follow_the_work_periods() -> None:
    # 17:00 + 2 working hours: 1 h today, 1 h from 09:00 the next working day.
    assert CAL.add_working_hours(at(2026, 11, 20, 17), 2).at == at(2026, 11, 23, 10)
    # Lunch break does not count.
    assert CAL.add_working_hours(at(2026, 11, 23, 11, 30), 1).at == at(2026, 11, 23, 13, 30)
    # The 24 h warning for a major complaint (SRV-3) lands three working days later.
    assert CAL.add_working_hours(at(2026, 11, 23, 9), 24).at == at(2026, 11, 25, 18)
    assert CAL.working_time_between(at(2026, 11, 20, 17), at(2026, 11, 23, 10)) == timedelta(
        hours=2
    )


def test_srv_5_next_working_moment() -> None:
    assert CAL.next_working_moment(at(2026, 11, 22, 15)).at == at(2026, 11, 23, 9)
    assert CAL.next_working_moment(at(2026, 11, 23, 12, 30)).at == at(2026, 11, 23, 13)
    assert CAL.next_working_moment(at(2026, 11, 23, 10)).at == at(2026, 11, 23, 10)


def test_srv_5_company_override_wins() -> None:
    cal = BusinessCalendar(
        tz=SHANGHAI,
        overrides={
            date(2026, 11, 23): False,  # company day off on a Monday
            date(2026, 11, 28): True,  # company workday on a Saturday
        },
    )
    assert cal.add_working_days(at(2026, 11, 20), 1).at == at(2026, 11, 24)
    assert cal.add_working_days(at(2026, 11, 27), 1).at == at(2026, 11, 28)


def test_srv_5_beyond_official_data_uses_weekends_and_says_so() -> None:
    last = official_data_years()[1]
    friday_before = at(last, 12, 31)
    result = CAL.add_working_days(friday_before, 3)
    assert result.beyond_data
    assert result.at.date().year == last + 1
    assert not CAL.is_beyond_data(date(last, 6, 1))
    # An admin entering next year's holiday removes the guess for that day.
    cal = BusinessCalendar(tz=SHANGHAI, overrides={date(last + 1, 1, 1): False})
    assert not cal.is_beyond_data(date(last + 1, 1, 1))
    assert not cal.is_workday(date(last + 1, 1, 1))


def test_srv_5_rejects_naive_moments_and_bad_periods() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2026, 1, 5, 10), 1)
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, periods=[WorkPeriod(time(18), time(9))])


moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2026, 12, 20),
    timezones=st.just(UTC),
)


@settings(max_examples=200, deadline=None)
@given(start=moments, hours=st.floats(min_value=0, max_value=80, allow_nan=False))
def test_srv_5_adding_then_counting_working_hours_round_trips(
    start: datetime, hours: float
) -> None:
    end = CAL.add_working_hours(start, hours).at
    counted = CAL.working_time_between(start, end)
    assert abs(counted - timedelta(hours=hours)) < timedelta(microseconds=10)


@settings(max_examples=200, deadline=None)
@given(start=moments, a=st.integers(0, 30), b=st.integers(0, 30))
def test_srv_5_adding_working_days_is_monotonic_and_lands_on_workdays(
    start: datetime, a: int, b: int
) -> None:
    first, second = CAL.add_working_days(start, a).at, CAL.add_working_days(start, b).at
    if a < b:
        assert first < second
    elif a == b:
        assert first == second
    if max(a, b) > 0:
        assert CAL.is_workday(CAL.add_working_days(start, max(a, b)).at.date())


@settings(max_examples=200, deadline=None)
@given(start=moments, hours=st.floats(min_value=0.01, max_value=40, allow_nan=False))
def test_srv_5_added_working_hours_end_inside_working_time(start: datetime, hours: float) -> None:
    end = CAL.add_working_hours(start, hours).at
    assert end > start
    assert CAL.is_workday(end.date())
    clock = end.astimezone(SHANGHAI).time()
    assert time(9) < clock <= time(12) or time(13) < clock <= time(18)
