"""Calendar-month arithmetic shared by the ledger and grading (no working days here: those
are workflow.calendar's)."""

import calendar
from datetime import date


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 Aug − 6 = 28/29 Feb);
    a negative ``months`` is that many months later."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
