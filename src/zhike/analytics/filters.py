"""A report's filters (ANA-3: period, department, owner, grade, product category, region),
read from a query string and checked against the reader's scope and the policy: a value
that is not one is a 400 naming its field, and a department or person outside the scope is
refused, never answered with their figures."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from zhike.dates import months_before
from zhike.org.models import DataScope, Department, User
from zhike.org.scopes import department_tree_ids, user_scopes, users_in_scope, visible_to
from zhike.policy.schema import Policy

from .errors import AnalyticsError

GRAINS = ("month", "quarter", "year")
# The customer's level as the rollups key it (rollup._current_keys: the score grade, else
# the tier), for the reports that read a customer's own standing.
LEVEL = Coalesce(
    NullIf(F("customer__standing__grade"), Value("")), F("customer__standing__tier"), Value("")
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    """``months`` later (earlier when negative): zhike.dates.months_before, forwards."""
    return months_before(month, -months)


def months_between(start: date, end: date) -> int:
    """How many months from ``start``'s to ``end``'s (0 for the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class Filters:
    start: date  # the first month (its first day)
    end: date  # the last month, inclusive (its first day)
    grain: str = "month"
    department: int | None = None
    departments: tuple[int, ...] = ()  # the department and those below it
    owner: int | None = None
    grade: str | None = None
    category: str | None = None
    province: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # a report's own parameters

    def last_year(self) -> "Filters":
        """The same months a year before (the comparison ANA-1 asks for)."""
        return replace(self, start=add_months(self.start, -12), end=add_months(self.end, -12))

    def query(self, **overrides: Any) -> dict[str, str]:
        """These filters as query parameters (a card's link to the report behind it)."""
        values = {
            "start": self.start.strftime("%Y-%m"),
            "end": self.end.strftime("%Y-%m"),
            "grain": self.grain,
            "department": str(self.department or ""),
            "owner": str(self.owner or ""),
            "grade": self.grade or "",
            "category": self.category or "",
            "province": self.province or "",
            **self.extra,
        }
        values.update({k: str(v) for k, v in overrides.items()})
        return {k: v for k, v in values.items() if v}


def _month(value: str, name: str) -> date:
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise AnalyticsError(_("月份格式应为 YYYY-MM,例如 2026-03"), field=name)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _text(params: Mapping[str, Any], name: str, limit: int) -> str:
    value = str(params.get(name) or "").strip()
    if len(value) > limit or any(ord(ch) < 32 for ch in value):
        raise AnalyticsError(_("筛选值无效"), field=name)
    return value


def _id(params: Mapping[str, Any], name: str) -> int | None:
    value = _text(params, name, 18)
    if not value:
        return None
    if not value.isdigit():
        raise AnalyticsError(_("应为编号"), field=name)
    return int(value)


def parse(
    user: User,
    params: Mapping[str, Any],
    *,
    policy: Policy,
    today: date,
    extra: Mapping[str, tuple[str, ...]] | None = None,
) -> Filters:
    """The filters of ``params``; ``extra`` names a report's own parameters and their
    allowed values (an empty tuple: any short text)."""
    this_month = month_start(today)
    start_text, end_text = _text(params, "start", 7), _text(params, "end", 7)
    end = _month(end_text, "end") if end_text else this_month
    start = _month(start_text, "start") if start_text else end.replace(month=1)
    if start > end:
        raise AnalyticsError(_("开始月份不能晚于结束月份"), field="start")
    if months_between(start, end) >= policy.analytics.max_period_years * 12:
        raise AnalyticsError(
            _("统计期间不能超过 %(years)s 年") % {"years": policy.analytics.max_period_years},
            field="start",
        )
    grain = _text(params, "grain", 10) or "month"
    if grain not in GRAINS:
        raise AnalyticsError(_("汇总粒度应为 月、季 或 年"), field="grain")
    department = _id(params, "department")
    departments: tuple[int, ...] = ()
    if department is not None:
        if not may_see_department(user, department):
            raise AnalyticsError(_("部门不存在或不在您的数据范围内"), field="department")
        departments = tuple(department_tree_ids(department))
    owner = _id(params, "owner")
    if owner is not None and not users_in_scope(user, inactive=True).filter(pk=owner).exists():
        raise AnalyticsError(_("人员不存在或不在您的数据范围内"), field="owner")
    grade = _text(params, "grade", 10) or None
    if grade is not None and grade not in [*level_keys(policy), "none"]:
        raise AnalyticsError(_("不是当前制度的客户等级"), field="grade")
    values = {}
    for name, allowed in (extra or {}).items():
        value = _text(params, name, 50)
        if value and allowed and value not in allowed:
            raise AnalyticsError(
                _("可选值:%(values)s") % {"values": "、".join(allowed)}, field=name
            )
        if value:
            values[name] = value
    return Filters(
        start=start,
        end=end,
        grain=grain,
        department=department,
        departments=departments,
        owner=owner,
        grade=grade,
        category=_text(params, "category", 50) or None,
        province=_text(params, "province", 20) or None,
        extra=values,
    )


def level_keys(policy: Policy) -> list[str]:
    """The keys "客户等级" may take: the score grades, or the tiers (common.levels)."""
    rules = policy.grading
    if rules.score is not None:
        return [g.key for g in rules.score.grades]
    return [lv.key for lv in rules.tier.levels] if rules.tier else []


def may_see_department(user: User, department_id: int) -> bool:
    """The department exists and the user's scope reaches it (or all)."""
    if not Department.objects.filter(pk=department_id).exists():
        return False
    if user.is_superuser or DataScope.ALL in user_scopes(user):
        return True
    scopes = user_scopes(user)
    if user.department_id is None:
        return False
    if DataScope.DEPARTMENT_TREE in scopes:
        return department_id in department_tree_ids(user.department_id)
    return DataScope.DEPARTMENT in scopes and department_id == user.department_id


def narrowed[M: Any](user: User, queryset: QuerySet[M], filters: Filters) -> QuerySet[M]:
    """``queryset`` (of a model with a ``customer``) within the user's scope and the
    filters, on the customer's own fields."""
    queryset = visible_to(user, queryset)
    if filters.departments:
        queryset = queryset.filter(customer__department__in=filters.departments)
    if filters.owner is not None:
        queryset = queryset.filter(customer__owner=filters.owner)
    if filters.grade is not None:
        wanted = "" if filters.grade == "none" else filters.grade
        queryset = queryset.annotate(_level=LEVEL).filter(_level=wanted)
    if filters.province is not None:
        queryset = queryset.filter(customer__province=filters.province)
    return queryset
