"""Complaint statistics (SRV-7): one month's figures by category, channel, handling and
responsible department, handler (with what went overdue in their hands), satisfaction,
and the trend of the months before — each a GROUP BY over the reader's scope, on the
``received_at`` index; the xlsx carries the same numbers."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhike.archive.exporting import as_text
from zhike.dates import months_before
from zhike.org.models import Department, User
from zhike.policy.schema import Policy

from .models import Channel, Complaint, Target
from .selectors import complaints_for
from .transitions import State


def month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(month.replace(day=1), time(), tzinfo=zone)
    year, next_month = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return start, datetime.combine(date(year, next_month, 1), time(), tzinfo=zone)


@dataclass
class Figures:
    month: date
    total: int = 0
    major: int = 0
    closed: int = 0
    satisfaction: float | None = None
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_responsible: list[tuple[str, int]] = field(default_factory=list)
    by_handler: list[tuple[str, int, int]] = field(default_factory=list)  # name, handled, overdue
    trend: list[tuple[date, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The snapshot a monthly report keeps (it must not change when data does)."""
        return {
            "month": self.month.isoformat(),
            "total": self.total,
            "major": self.major,
            "closed": self.closed,
            "satisfaction": self.satisfaction,
            "by_category": self.by_category,
            "by_channel": self.by_channel,
            "by_department": self.by_department,
            "by_responsible": self.by_responsible,
            "by_handler": self.by_handler,
            "trend": [(m.isoformat(), n) for m, n in self.trend],
        }


def _counted(items: QuerySet[Complaint], key: str) -> list[tuple[Any, int]]:
    rows = items.order_by().values_list(key).annotate(n=Count("id")).order_by("-n")
    return [(k, n) for k, n in rows]


def _names(
    pairs: Iterable[tuple[Any, int]], names: dict[Any, str], empty: str
) -> list[tuple[str, int]]:
    return [(names.get(k, str(k)) if k not in (None, "") else empty, n) for k, n in pairs]


def month_figures(user: User, *, month: date, policy: Policy, trend_months: int = 12) -> Figures:
    start, end = month_bounds(month)
    scoped = complaints_for(user)
    items = scoped.filter(received_at__gte=start, received_at__lt=end)
    figures = Figures(month=start.date())
    totals = items.order_by().aggregate(
        total=Count("id"),
        major=Count("id", filter=Q(major=True)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
        satisfaction=Avg("satisfaction"),
    )
    figures.total, figures.major, figures.closed = (
        totals["total"],
        totals["major"],
        totals["closed"],
    )
    if totals["satisfaction"] is not None:
        figures.satisfaction = round(float(totals["satisfaction"]), 2)
    unclassified = _("未分类")
    categories = {c.code: c.name for c in policy.service.categories}
    figures.by_category = _names(_counted(items, "category"), categories, unclassified)
    channels = {code: str(label) for code, label in Channel.choices}
    figures.by_channel = _names(_counted(items, "channel"), channels, "—")
    departments = dict(Department.objects.values_list("id", "name"))
    figures.by_department = _names(_counted(items, "department_id"), departments, unclassified)
    figures.by_responsible = _names(
        _counted(items.exclude(responsible_department=None), "responsible_department_id"),
        departments,
        "—",
    )
    handled = dict(_counted(items.exclude(handler=None), "handler_id"))
    overdue = dict(
        Target.objects.filter(complaint__in=items, breached_at__isnull=False)
        .order_by()
        .values_list("breached_handler_id")
        .annotate(n=Count("id"))
    )
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=set(handled) | set(overdue))}
    figures.by_handler = sorted(
        (
            (people.get(pk, "—"), handled.get(pk, 0), overdue.get(pk, 0))
            for pk in set(handled) | set(overdue)
            if pk
        ),
        key=lambda row: (-row[2], -row[1], row[0]),
    )
    first = month_bounds(months_before(start.date(), trend_months - 1))[0]
    by_month = (
        scoped.filter(received_at__gte=first, received_at__lt=end)
        .order_by()
        .annotate(m=TruncMonth("received_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    counts = {(m.date() if isinstance(m, datetime) else m): n for m, n in by_month}
    figures.trend = [
        (m, counts.get(m, 0))
        for m in (months_before(start.date(), k) for k in range(trend_months - 1, -1, -1))
    ]
    return figures


def write_xlsx(figures: Figures, target: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("投诉统计"))
    sheet.append([_("月份"), figures.month.strftime("%Y-%m")])
    sheet.append([_("投诉总数"), figures.total])
    sheet.append([_("重大投诉"), figures.major])
    sheet.append([_("已结案"), figures.closed])
    sheet.append(
        [_("平均满意度"), figures.satisfaction if figures.satisfaction is not None else ""]
    )
    for title, rows in (
        (_("按类别"), figures.by_category),
        (_("按渠道"), figures.by_channel),
        (_("按受理部门"), figures.by_department),
        (_("按责任部门"), figures.by_responsible),
    ):
        sheet.append([])
        sheet.append([title, _("件数")])
        for name, count in rows:
            sheet.append([as_text(sheet, name), count])
    sheet.append([])
    sheet.append([_("处理人"), _("处理件数"), _("超期次数")])
    for name, count, late in figures.by_handler:
        sheet.append([as_text(sheet, name), count, late])
    sheet.append([])
    sheet.append([_("月份"), _("投诉总数")])
    for month, count in figures.trend:
        sheet.append([month.strftime("%Y-%m"), count])
    workbook.save(target)
