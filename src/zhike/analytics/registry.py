"""One report mechanism (issue 17 item 1): a report is a declared, scoped selector plus a
chart description. Apps register theirs (the service desk's complaint analysis, credit's
aging) when they load, so the dashboard, the report page, the API and the xlsx export
serve every report alike without knowing any of them.

A report's ``run(user, filters, policy)`` returns a :class:`Result`: a table (the numbers
the xlsx holds) and the chart drawn from the same numbers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

from zhike.org.models import User
from zhike.policy.schema import Policy

from .filters import Filters

# Chart kinds charts.js draws: bars or lines over categories (several series), a pie, a
# funnel. ``unit`` decides the number format (yuan in 万/亿, counts, per cent).
CHART_KINDS = ("bar", "line", "pie", "funnel", "bar_line")
UNITS = ("yuan", "count", "percent", "days")


@dataclass
class Series:
    name: str
    data: list[float | None]
    kind: str = ""  # "line" within a bar chart (bar_line), else the chart's own kind
    unit: str = ""  # when it differs from the chart's (a percentage line over bars)


@dataclass
class Chart:
    kind: str
    categories: list[str]
    series: list[Series]
    unit: str = "yuan"
    stacked: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "categories": self.categories,
            "series": [
                {"name": s.name, "data": s.data, "kind": s.kind, "unit": s.unit or self.unit}
                for s in self.series
            ],
            "unit": self.unit,
            "stacked": self.stacked,
        }


@dataclass
class Result:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    # The page behind each row (a customer, a filtered list), or None.
    links: list[str | None] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": self.columns,
            "rows": [[_plain(v) for v in row] for row in self.rows],
            "chart": self.chart.as_json() if self.chart else None,
            "notes": self.notes,
            "links": self.links,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class Report:
    key: str
    title: str | Promise
    section: str | Promise  # the group it is listed under
    run: Callable[[User, Filters, Policy], Result]
    # The permission the reader needs beyond the scope (any one of several), or None.
    permission: str | tuple[str, ...] | None = None
    # The report's own query parameters and their allowed values ((): any short text).
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spec: str = ""  # the SPEC rule it serves

    def allowed(self, user: User) -> bool:
        if self.permission is None:
            return True
        wanted = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(user.has_perm(p) for p in wanted)


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    if report.key in REPORTS and REPORTS[report.key] is not report:
        raise ValueError(f"report {report.key!r} registered twice")
    REPORTS[report.key] = report
    return report


def reports_for(user: User) -> list[Report]:
    return [r for r in REPORTS.values() if r.allowed(user)]


def as_number(value: Any) -> float | None:
    """A chart's number (JSON has no decimals)."""
    return None if value is None else float(value)
