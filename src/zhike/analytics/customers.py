"""Reports per customer, read from the customer months (ANA-4): which customers make 80 %
of the revenue, RFM value segments and the churn-risk flag, the top customers. Each reads
one grouped query over the scope's customer months; the 80/20 streams the customers in
order of amount and keeps only running sums, whatever their number."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhike.archive.models import Customer
from zhike.db import cents
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy

from .common import share
from .filters import Filters, add_months, narrowed
from .models import CustomerSales, CustomerYear
from .registry import Chart, Report, Result, Series, register

SECTION = gettext_lazy("客户价值")
POINTS = 20  # the 80/20 curve: the cumulative share at every 5 % of customers


def customer_months(user: User, filters: Filters) -> QuerySet[CustomerSales]:
    queryset = CustomerSales.objects.filter(
        month__gte=filters.start, month__lte=filters.end, amount__gt=0
    )
    if filters.category is not None:
        queryset = queryset.filter(category=filters.category)
    return narrowed(user, queryset, filters).order_by()


def _customer_link(pk: int) -> str:
    return reverse("customer-detail", args=[pk])


def _names(ids: list[int]) -> dict[int, str]:
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))


def pareto(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-4 80/20: how few customers make ``pareto_share`` % of the period's revenue."""
    per_customer = (
        customer_months(user, filters).values("customer_id").annotate(total=Sum("amount"))
    )
    totals = per_customer.aggregate(customers=Count("customer_id"), amount=Sum("total"))
    count, whole = totals["customers"] or 0, cents(totals["amount"])
    target = whole * policy.analytics.pareto_share / 100
    curve: list[float] = []
    top: list[tuple[int, Decimal, Decimal]] = []
    running, few = Decimal(0), 0
    marks = {max(1, round(count * (i + 1) / POINTS)): i for i in range(POINTS)} if count else {}
    ordered = per_customer.order_by("-total", "customer_id").values_list("customer_id", "total")
    for rank, (pk, amount) in enumerate(ordered.iterator(chunk_size=5000), start=1):
        running += cents(amount)
        if rank <= 50:
            top.append((pk, cents(amount), running))
        if not few and running >= target:
            few = rank
        if rank in marks:
            curve.append(float(share(running, whole) or 0))
    names = _names([pk for pk, _a, _r in top])
    rows = [
        [names.get(pk, "—"), rank, amount, share(amount, whole), share(cum, whole)]
        for rank, (pk, amount, cum) in enumerate(top, start=1)
    ]
    headline = _(
        "%(few)s 位客户(占有成交客户的 %(few_share)s%%)贡献了 %(share)s%% 的合同金额;"
        "有成交的客户共 %(count)s 位,合计 %(whole)s 元"
    ) % {
        "few": few,
        "few_share": share(few, count) or 0,
        "share": policy.analytics.pareto_share,
        "count": count,
        "whole": f"{whole:,.2f}",
    }
    chart = Chart(
        kind="line",
        categories=[f"{(i + 1) * 100 // POINTS}%" for i in range(len(curve))],
        series=[Series(_("累计金额占比 %"), [float(v) for v in curve])],
        unit="percent",
    )
    return Result(
        title=_("二八分析"),
        columns=[_("客户"), _("排名"), _("合同金额"), _("占比 %"), _("累计占比 %")],
        rows=rows,
        chart=chart,
        notes=[headline, _("横轴:按金额从高到低的客户累计比例;表中列出前 50 位")],
        links=[_customer_link(pk) for pk, _a, _r in top],
    )


@dataclass(frozen=True)
class Segment:
    code: str
    label: str


def _segments() -> dict[str, str]:
    """The eight RFM types Chinese CRMs use, by high/low recency, frequency, monetary."""
    return {
        "111": _("重要价值客户"),
        "101": _("重要发展客户"),
        "011": _("重要保持客户"),
        "001": _("重要挽留客户"),
        "110": _("一般价值客户"),
        "100": _("一般发展客户"),
        "010": _("一般保持客户"),
        "000": _("一般挽留客户"),
    }


def _month_index(field: str) -> Any:
    return ExtractYear(field) * 12 + ExtractMonth(field)


def rfm_rows(user: User, filters: Filters, policy: Policy) -> tuple[str, list[Any], int]:
    """Per customer of the scope over the ``rfm_months`` to the period's end: months
    since the last ordering month, ordering months, amount; as SQL and its parameters."""
    window = Filters(
        start=add_months(filters.end, 1 - policy.analytics.rfm_months),
        end=filters.end,
        departments=filters.departments,
        owner=filters.owner,
        grade=filters.grade,
        category=filters.category,
        province=filters.province,
    )
    end_index = filters.end.year * 12 + filters.end.month
    rows = (
        customer_months(user, window)
        .annotate(mi=_month_index("month"))
        .values("customer_id")
        .annotate(
            last=Max("mi"), first=Min("mi"), freq=Count("month", distinct=True), money=Sum("amount")
        )
    )
    sql, params = rows.query.sql_with_params()
    return sql, list(params), end_index


def rfm(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-4 RFM: each customer's recency, frequency and amount against the scope's
    averages gives one of eight segments; the churn-risk flag marks a customer who has not
    ordered for ``churn_factor`` times its usual interval (and ``churn_min_months``)."""
    sql, params, end_index = rfm_rows(user, filters, policy)
    rules = policy.analytics
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT AVG({end_index} - last), AVG(freq), AVG(money), COUNT(*) FROM ({sql}) t",
            params,
        )
        avg_r, avg_f, avg_m, count = cursor.fetchone()
        if not count:
            return _empty_rfm(filters)
        risk = (
            f"({end_index} - last) >= %s AND ({end_index} - last) >= "
            f"CASE WHEN freq > 1 THEN %s * (last - first) / (freq - 1.0) ELSE %s END"
        )
        risk_params = [rules.churn_min_months, rules.churn_factor, rules.churn_min_months]
        code = (
            f"(CASE WHEN ({end_index} - last) <= %s THEN '1' ELSE '0' END) || "
            f"(CASE WHEN freq >= %s THEN '1' ELSE '0' END) || "
            f"(CASE WHEN money >= %s THEN '1' ELSE '0' END)"
        )
        code_params = [float(avg_r), float(avg_f), float(avg_m)]
        cursor.execute(
            f"SELECT {code} AS seg, COUNT(*), SUM(money), SUM(CASE WHEN {risk} THEN 1 ELSE 0 END) "
            f"FROM ({sql}) t GROUP BY seg",
            [*code_params, *risk_params, *params],
        )
        segments = {seg: (n, cents(money), at_risk) for seg, n, money, at_risk in cursor.fetchall()}
        cursor.execute(
            f"SELECT customer_id, {end_index} - last, freq, money FROM ({sql}) t "
            f"WHERE {risk} ORDER BY money DESC, customer_id LIMIT 100",
            [*params, *risk_params],
        )
        risky = cursor.fetchall()
    labels = _segments()
    total_money = sum((m for _n, m, _r in segments.values()), Decimal(0))
    rows = [
        [labels[code], n, share(n, count), money, share(money, total_money), at_risk]
        for code, (n, money, at_risk) in sorted(
            segments.items(), key=lambda kv: kv[0], reverse=True
        )
    ]
    names = _names([r[0] for r in risky])
    rows += [
        [
            _("流失风险:%(name)s") % {"name": names.get(pk, "—")},
            freq,
            None,
            cents(money),
            None,
            since,
        ]
        for pk, since, freq, money in risky
    ]
    chart = Chart(
        kind="bar",
        categories=[labels[code] for code in sorted(segments, reverse=True)],
        series=[
            Series(
                _("客户数"), [segments[c][0] for c in sorted(segments, reverse=True)], unit="count"
            ),
        ],
        unit="count",
    )
    return Result(
        title=_("RFM 客户价值与流失风险"),
        columns=[
            _("分群 / 客户"),
            _("客户数 / 下单月数"),
            _("占比 %"),
            _("合同金额"),
            _("金额占比 %"),
            _("有流失风险 / 未下单月数"),
        ],
        rows=rows,
        chart=chart,
        notes=[
            _(
                "近 %(months)s 个月至 %(end)s;R 为最近下单距今月数,F 为下单月数,M 为合同金额,"
                "与本范围平均值比较(R 平均 %(r).1f 月,F 平均 %(f).1f,M 平均 %(m).0f 元)"
            )
            % {
                "months": rules.rfm_months,
                "end": filters.end.strftime("%Y-%m"),
                "r": float(avg_r),
                "f": float(avg_f),
                "m": float(avg_m),
            },
            _("流失风险:未下单已达平常间隔的 %(factor)s 倍且不少于 %(min)s 个月")
            % {
                "factor": rules.churn_factor,
                "min": rules.churn_min_months,
            },
        ],
        links=[None] * len(segments) + [_customer_link(r[0]) for r in risky],
    )


def _empty_rfm(filters: Filters) -> Result:
    return Result(
        title=_("RFM 客户价值与流失风险"),
        columns=[_("分群 / 客户")],
        rows=[],
        notes=[_("该范围内没有成交记录")],
    )


def top_customers(user: User, year: int, *, limit: int = 10) -> list[tuple[int, str, Decimal]]:
    """The year's largest customers in the scope, read down the (year, amount) index."""
    rows = (
        visible_to(user, CustomerYear.objects.filter(year=year, amount__gt=0))
        .order_by("-amount", "customer_id")
        .values_list("customer_id", "customer__name", "amount")[:limit]
    )
    return [(pk, name, cents(amount)) for pk, name, amount in rows]


register(Report("pareto", gettext_lazy("二八分析"), SECTION, pareto, spec="ANA-4"))
register(Report("rfm", gettext_lazy("RFM 与流失风险"), SECTION, rfm, spec="ANA-4"))
