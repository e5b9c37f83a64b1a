"""The built-in reports, read from the cube (ANA-1, and the manager's ranking): sales by
grade, product category, region, person or department, with the share of the total and
the same months of last year; the trend by month, quarter or year. Each is registered with
the one report mechanism (registry.py); the customer-level reports are in customers.py and
the movements (grade migration, funnel) in movements.py."""

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhike.db import cents
from zhike.org.models import User
from zhike.policy.schema import Policy

from . import customers, movements  # noqa: F401  (they register their reports too)
from .common import (
    bucket_of,
    buckets,
    change,
    customers_link,
    department_names,
    figures,
    grade_label,
    level_link,
    share,
    user_names,
)
from .filters import Filters
from .models import SalesTarget
from .registry import Chart, Report, Result, Series, as_number, register

DIMENSIONS = ("grade", "category", "province", "owner", "department")
OTHERS = 7  # series beyond these many are summed as 其他 (a chart stays readable)


def dimension_label(dimension: str) -> str:
    return {
        "grade": _("客户等级"),
        "category": _("产品品种"),
        "province": _("地区"),
        "owner": _("销售人员"),
        "department": _("部门"),
        "": _("合计"),
    }[dimension]


def labels_for(dimension: str, keys: list[Any], policy: Policy) -> dict[Any, str]:
    if dimension == "grade":
        return {k: grade_label(policy, k) for k in keys}
    if dimension == "owner":
        return user_names(keys)
    if dimension == "department":
        return department_names(keys)
    empty = _("未填写") if dimension == "province" else _("未分类")
    return {k: k or empty for k in keys}


def _link(dimension: str, key: Any, policy: Policy) -> str | None:
    """The customer list behind a row (the list filters the archive has)."""
    if dimension == "grade":
        return level_link(policy, key)
    if dimension == "province":
        return customers_link(province=key) if key else None
    if dimension == "owner":
        return customers_link(owner=key) if key else None
    return None


def amounts_by(user: User, filters: Filters, dimension: str) -> dict[Any, Decimal]:
    rows = figures(user, filters, (dimension,), {"total": Sum("amount")})
    return {r[dimension]: cents(r["total"]) for r in rows if cents(r["total"])}


def structure(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-1 (s002 客户构成分析): the period's contract amount by one dimension, the
    share of each, and the same months last year."""
    dimension = filters.extra.get("by", "grade")
    now = amounts_by(user, filters, dimension)
    before = amounts_by(user, filters.last_year(), dimension)
    keys = sorted(set(now) | set(before), key=lambda k: (-now.get(k, Decimal(0)), str(k)))
    labels = labels_for(dimension, keys, policy)
    total, total_before = sum(now.values(), Decimal(0)), sum(before.values(), Decimal(0))
    rows = [
        [
            labels[k],
            now.get(k, Decimal(0)),
            share(now.get(k), total),
            before.get(k, Decimal(0)),
            change(now.get(k), before.get(k)),
        ]
        for k in keys
    ]
    rows.append([_("合计"), total, share(total, total), total_before, change(total, total_before)])
    shown = [k for k in keys if now.get(k)]
    kind = "pie" if dimension == "grade" and len(shown) <= 8 else "bar"
    chart = Chart(
        kind=kind,
        categories=[labels[k] for k in shown],
        series=[Series(_("本期"), [as_number(now[k]) for k in shown])]
        + (
            []
            if kind == "pie"
            else [Series(_("去年同期"), [as_number(before.get(k, 0)) for k in shown])]
        ),
    )
    return Result(
        title=_("客户构成分析:按%(dim)s") % {"dim": dimension_label(dimension)},
        columns=[
            dimension_label(dimension),
            _("合同金额"),
            _("占比 %"),
            _("去年同期"),
            _("同比 %"),
        ],
        rows=rows,
        chart=chart,
        notes=_notes(filters, policy, graded=dimension == "grade"),
        links=[_link(dimension, k, policy) for k in keys] + [None],
    )


def _notes(filters: Filters, policy: Policy, *, graded: bool = False) -> list[str]:
    notes = [
        _("期间 %(start)s 至 %(end)s;同比为去年同月")
        % {
            "start": filters.start.strftime("%Y-%m"),
            "end": filters.end.strftime("%Y-%m"),
        }
    ]
    if graded:
        notes.append(
            _("等级为客户当前等级,依据管理制度 %(version)s") % {"version": policy.policy.version}
        )
    return notes


def trend(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-1's trend: the contract amount by month, quarter or year; split by one
    dimension, or beside the same months of last year."""
    dimension = filters.extra.get("by", "")
    labels = buckets(filters)
    by = ("month", dimension) if dimension else ("month",)
    rows = figures(user, filters, by, {"total": Sum("amount")})
    series: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        series[r[dimension] if dimension else ""][bucket_of(r["month"], filters.grain)] += cents(
            r["total"]
        )
    if not dimension:
        last = filters.last_year()
        for r in figures(user, last, ("month",), {"total": Sum("amount")}):
            # Last year's month lands on this year's bucket: the two lines compare.
            month = r["month"].replace(year=r["month"].year + 1)
            series["last"][bucket_of(month, filters.grain)] += cents(r["total"])
        names = {"": _("本期"), "last": _("去年同期")}
    else:
        ranked = sorted(series, key=lambda k: -sum(series[k].values()))
        if len(ranked) > OTHERS:
            rest: dict[str, Decimal] = defaultdict(Decimal)
            for key in ranked[OTHERS:]:
                for label, value in series.pop(key).items():
                    rest[label] += value
            series["__rest__"] = rest
        names = labels_for(dimension, [k for k in series if k != "__rest__"], policy)
        names["__rest__"] = _("其他")
    keys = list(series)
    table = [[label, *[series[k].get(label, Decimal(0)) for k in keys]] for label in labels]
    chart = Chart(
        kind="line" if not dimension else "bar",
        categories=labels,
        series=[
            Series(names[k], [as_number(series[k].get(label, 0)) for label in labels]) for k in keys
        ],
        stacked=bool(dimension),
    )
    return Result(
        title=_("销售趋势")
        if not dimension
        else _("销售趋势:按%(dim)s") % {"dim": dimension_label(dimension)},
        columns=[_("期间"), *[names[k] for k in keys]],
        rows=table,
        chart=chart,
        notes=_notes(filters, policy, graded=dimension == "grade"),
    )


def ranking(user: User, filters: Filters, policy: Policy) -> Result:
    """The manager's view per person: contract amount, collected, receivables, the
    target of the period and how much of it is met; ranked."""
    sums = {"amount": Sum("amount"), "collected": Sum("collected")}
    people = {r["owner"]: r for r in figures(user, filters, ("owner",), sums)}
    # Receivables as at the period's end: whatever month the invoices were issued in.
    since_ever = replace(filters, start=date(1900, 1, 1))
    outstanding = {
        r["owner"]: cents(r["outstanding"])
        for r in figures(user, since_ever, ("owner",), {"outstanding": Sum("outstanding")})
    }
    targets = {
        r["owner_id"]: cents(r["total"])
        for r in SalesTarget.objects.filter(
            owner_id__in=list(people), month__gte=filters.start, month__lte=filters.end
        )
        .values("owner_id")
        .annotate(total=Sum("amount"))
    }
    keys = sorted(
        set(people) | set(outstanding), key=lambda k: -cents(people.get(k, {}).get("amount"))
    )
    names = user_names(keys)
    table = []
    for k in keys:
        amount = cents(people.get(k, {}).get("amount"))
        target = targets.get(k)
        table.append(
            [
                names.get(k, str(k)),
                amount,
                cents(people.get(k, {}).get("collected")),
                outstanding.get(k, Decimal(0)),
                target,
                share(amount, target) if target else None,
            ]
        )
    chart = Chart(
        kind="bar_line",
        categories=[str(row[0]) for row in table],
        series=[
            Series(_("合同金额"), [as_number(row[1]) for row in table]),
            Series(_("回款金额"), [as_number(row[2]) for row in table]),
            Series(
                _("目标完成率 %"), [as_number(row[5]) for row in table], kind="line", unit="percent"
            ),
        ],
    )
    return Result(
        title=_("销售人员排名"),
        columns=[
            _("销售人员"),
            _("合同金额"),
            _("回款金额"),
            _("应收余额"),
            _("目标"),
            _("完成率 %"),
        ],
        rows=table,
        chart=chart,
        notes=_notes(filters, policy),
        links=[customers_link(owner=k) if k else None for k in keys],
    )


SECTION = gettext_lazy("销售分析")
register(
    Report(
        "structure",
        gettext_lazy("客户构成分析"),
        SECTION,
        structure,
        extra={"by": DIMENSIONS},
        spec="ANA-1",
    )
)
register(
    Report(
        "trend",
        gettext_lazy("销售趋势"),
        SECTION,
        trend,
        extra={"by": ("", "grade", "category", "province")},
        spec="ANA-1",
    )
)
register(Report("ranking", gettext_lazy("销售人员排名"), SECTION, ranking, spec="ANA-3"))
