"""Dashboards per role (issue 17 item 3): what a salesperson, a manager and the general
manager each open on. Every card is a few grouped reads of the cubes, the headcount and the
customer years, so a dashboard costs the same at a thousand customers as at a million; each
card links to the report or list behind its number."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import CustomerStatus
from zhike.db import cents
from zhike.engagement.models import FollowUp, FollowUpState
from zhike.grading.models import Review
from zhike.org.models import DataScope, User
from zhike.org.scopes import user_scopes, visible_to
from zhike.policy.schema import Policy

from .common import (
    change,
    customers_link,
    figures,
    grade_label,
    grade_order,
    level_link,
    report_link,
    share,
    status_label,
)
from .customers import top_customers
from .filters import Filters, add_months, month_start
from .models import Headcount, RollupState, SalesTarget
from .movements import migration_counts
from .registry import Chart, Series, as_number
from .reports import ranking, trend

ROLES = ("sales", "manager", "gm")


@dataclass
class Figure:
    label: str
    value: Any
    unit: str = "yuan"  # yuan / count / percent
    link: str | None = None
    note: str = ""


@dataclass
class Card:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    chart: Chart | None = None
    link: str | None = None  # the report or list behind the card
    wide: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "figures": [
                {
                    "label": f.label,
                    "value": _plain(f.value),
                    "unit": f.unit,
                    "link": f.link,
                    "note": f.note,
                }
                for f in self.figures
            ],
            "chart": self.chart.as_json() if self.chart else None,
            "link": self.link,
        }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@dataclass
class Dashboard:
    role: str
    title: str
    cards: list[Card]
    refreshed_at: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "title": self.title,
            "refreshed_at": self.refreshed_at,
            "cards": [c.as_json() for c in self.cards],
        }


def role_of(user: User) -> str:
    """Which dashboard the user opens on, by the reach of its data scope."""
    scopes = user_scopes(user)
    if user.is_superuser or DataScope.ALL in scopes:
        return "gm"
    if scopes & {DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE}:
        return "manager"
    return "sales"


def roles_for(user: User) -> list[str]:
    """The dashboards the user may switch to: its own and the narrower ones."""
    return list(ROLES[: ROLES.index(role_of(user)) + 1])


def dashboard(user: User, *, policy: Policy, today: date, role: str | None = None) -> Dashboard:
    role = role if role in roles_for(user) else role_of(user)
    this_month = month_start(today)
    year = Filters(start=this_month.replace(month=1), end=this_month)
    builders = {"sales": _sales, "manager": _manager, "gm": _general}
    titles = {"sales": _("我的业绩"), "manager": _("团队业绩"), "gm": _("经营总览")}
    state = RollupState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
    return Dashboard(role, titles[role], builders[role](user, policy, year, today), state)


def _month_amount(user: User, month: date) -> Decimal:
    rows = figures(user, Filters(start=month, end=month), (), {"total": Sum("amount")})
    return cents(rows[0]["total"]) if rows else Decimal(0)


def _target_card(user: User, month: date) -> Card:
    amount = _month_amount(user, month)
    target = visible_to(user, SalesTarget.objects.filter(month=month, owner=user)).aggregate(
        t=Sum("amount")
    )["t"]
    last_year = _month_amount(user, add_months(month, -12))
    figures_ = [
        Figure(
            _("本月合同金额"),
            amount,
            link=report_link("trend", Filters(start=month.replace(month=1), end=month)),
        )
    ]
    if target:
        figures_.append(Figure(_("本月目标"), cents(target)))
        figures_.append(Figure(_("完成率"), share(amount, target), unit="percent"))
    else:
        figures_.append(Figure(_("本月目标"), None, note=_("未设定")))
    figures_.append(
        Figure(
            _("去年同月"),
            last_year,
            note=_("同比 %(c)s%%") % {"c": change(amount, last_year)} if last_year else "",
        )
    )
    return Card("month", _("本月成交"), figures_)


def _headcount(user: User, by: str) -> dict[str, int]:
    rows = (
        visible_to(user, Headcount.objects.filter(live__gt=0))
        .values(by)
        .annotate(n=Sum("live"))
        .order_by()
    )
    return {r[by]: int(r["n"]) for r in rows if r["n"]}


def _status_card(user: User, mine: bool) -> Card:
    counts = _headcount(user, "status")
    order = [s for s in CustomerStatus.values if s in counts]
    owner = user.pk if mine else None
    chart = Chart(
        "bar",
        [status_label(s) for s in order],
        [Series(_("客户数"), [counts[s] for s in order])],
        unit="count",
    )
    figures_ = [
        Figure(status_label(s), counts[s], unit="count", link=customers_link(status=s, owner=owner))
        for s in order
    ]
    return Card("status", _("客户状态"), figures_, chart=chart, link=customers_link(owner=owner))


def _grade_card(user: User, policy: Policy, mine: bool) -> Card:
    counts = _headcount(user, "grade")
    order = sorted(counts, key=lambda g: grade_order(policy).get(g, 99))
    labels = [grade_label(policy, g) for g in order]
    chart = Chart("pie", labels, [Series(_("客户数"), [counts[g] for g in order])], unit="count")
    owner = user.pk if mine else None
    figures_ = [
        Figure(label, counts[g], unit="count", link=level_link(policy, g, owner=owner))
        for label, g in zip(labels, order, strict=True)
    ]
    return Card(
        "grades", _("客户等级"), figures_, chart=chart, link=report_link("structure", by="grade")
    )


def _follow_up_card(user: User, today: date) -> Card:
    now = timezone.now()
    planned = FollowUp.objects.filter(by=user, state=FollowUpState.PLANNED)
    overdue = planned.filter(occurred_at__lt=now).count()
    week = planned.filter(occurred_at__gte=now, occurred_at__lt=now + timedelta(days=7)).count()
    visits = planned.filter(
        kind="visit", occurred_at__gte=now, occurred_at__lt=now + timedelta(days=7)
    ).count()
    return Card(
        "follow_ups",
        _("跟进与拜访"),
        [
            Figure(_("计划已过期"), overdue, unit="count", link=reverse("todos")),
            Figure(_("7 天内计划跟进"), week, unit="count", link=reverse("todos")),
            Figure(_("其中拜访"), visits, unit="count", link=reverse("visits-plans")),
        ],
        link=reverse("visits-daily"),
    )


def _trend_card(user: User, policy: Policy, today: date) -> Card:
    end = month_start(today)
    filters = Filters(start=add_months(end, -11), end=end)
    result = trend(user, filters, policy)
    return Card(
        "trend",
        _("近 12 个月业绩"),
        chart=result.chart,
        link=report_link("trend", filters),
        wide=True,
    )


def _sales(user: User, policy: Policy, year: Filters, today: date) -> list[Card]:
    return [
        _target_card(user, year.end),
        _follow_up_card(user, today),
        _status_card(user, mine=True),
        _grade_card(user, policy, mine=True),
        _trend_card(user, policy, today),
    ]


RANKED = 10  # people on a dashboard's ranking chart; the report lists everyone


def _ranking_card(user: User, policy: Policy, month: date) -> Card:
    filters = Filters(start=month, end=month)
    result = ranking(user, filters, policy)
    if result.chart is not None:
        result.chart.categories = result.chart.categories[:RANKED]
        for series in result.chart.series:
            series.data = series.data[:RANKED]
    return Card(
        "ranking",
        _("本月人员业绩与目标"),
        chart=result.chart,
        link=report_link("ranking", filters),
        wide=True,
    )


def _receivables_card(user: User, today: date) -> Card:
    month = month_start(today)
    ever = Filters(start=date(1900, 1, 1), end=month)
    rows = figures(user, ever, ("owner",), {"open": Sum("outstanding")})
    total = sum((cents(r["open"]) for r in rows), Decimal(0))
    link = reverse("credit-aging") if user.has_perm("trade.add_invoice") else report_link("ranking")
    year = Filters(start=month.replace(month=1), end=month)
    collected = figures(user, year, (), {"c": Sum("collected")})
    return Card(
        "receivables",
        _("应收与回款"),
        [
            Figure(_("应收余额"), total, link=link),
            Figure(
                _("今年回款"),
                cents(collected[0]["c"]) if collected else Decimal(0),
                link=report_link("ranking", year),
            ),
        ],
    )


def _manager(user: User, policy: Policy, year: Filters, today: date) -> list[Card]:
    return [
        _target_card(user, year.end),
        _receivables_card(user, today),
        _ranking_card(user, policy, year.end),
        _grade_card(user, policy, mine=False),
        _status_card(user, mine=False),
        _trend_card(user, policy, today),
    ]


def _totals_card(user: User, year: Filters) -> Card:
    sums = {"amount": Sum("amount"), "collected": Sum("collected")}
    now = figures(user, year, (), sums)
    before = figures(user, year.last_year(), (), sums)
    n, b = (now[0] if now else {}), (before[0] if before else {})
    customers = sum(_headcount(user, "status").values())
    link = report_link("trend", year)
    return Card(
        "totals",
        _("今年累计"),
        [
            Figure(
                _("合同金额"),
                cents(n.get("amount")),
                link=link,
                note=_("同比 %(c)s%%") % {"c": change(n.get("amount"), b.get("amount"))}
                if b.get("amount")
                else "",
            ),
            Figure(
                _("回款金额"),
                cents(n.get("collected")),
                note=_("同比 %(c)s%%") % {"c": change(n.get("collected"), b.get("collected"))}
                if b.get("collected")
                else "",
            ),
            Figure(_("客户总数"), customers, unit="count", link=customers_link()),
        ],
    )


def _structure_card(
    user: User, policy: Policy, year: Filters, by: str, title: str, limit: int = 8
) -> Card:
    rows = figures(user, year, (by,), {"total": Sum("amount")})
    ranked = sorted((r for r in rows if cents(r["total"])), key=lambda r: -cents(r["total"]))[
        :limit
    ]
    empty = _("未填写") if by == "province" else _("未分类")
    labels = [grade_label(policy, r[by]) if by == "grade" else (r[by] or empty) for r in ranked]
    chart = Chart(
        "pie" if by == "grade" else "bar",
        labels,
        [Series(_("合同金额"), [as_number(cents(r["total"])) for r in ranked])],
    )
    return Card(f"by_{by}", title, chart=chart, link=report_link("structure", year, by=by))


def _migration_card(user: User, policy: Policy, today: date) -> Card:
    review = Review.objects.filter(state=Review.State.APPLIED).order_by("-pk").first()
    if review is None:
        return Card(
            "migration", _("等级迁移"), [Figure(_("还没有生效的分级评审"), None, unit="count")]
        )
    order = grade_order(policy)
    month = month_start(today)
    cells = migration_counts(user, review, Filters(start=month, end=month), policy)
    graded = [c for c in cells if c["was"] and c["to"]]
    up = sum(c["n"] for c in graded if order.get(c["to"], 99) < order.get(c["was"], 99))
    down = sum(c["n"] for c in graded if order.get(c["to"], 99) > order.get(c["was"], 99))
    same = sum(c["n"] for c in graded if c["to"] == c["was"])
    first = sum(c["n"] for c in cells if not c["was"] and c["to"])
    link = report_link("migration", review=review.pk)
    return Card(
        "migration",
        _("等级迁移:%(title)s") % {"title": review.title},
        [
            Figure(_("升级"), up, unit="count", link=link),
            Figure(_("降级"), down, unit="count", link=link),
            Figure(_("不变"), same, unit="count", link=link),
            Figure(_("首次评级"), first, unit="count", link=link),
        ],
        link=link,
    )


def _top_card(user: User, today: date) -> Card:
    rows = top_customers(user, today.year)
    return Card(
        "top",
        _("今年前十大客户"),
        [
            Figure(name, amount, link=reverse("customer-detail", args=[pk]))
            for pk, name, amount in rows
        ],
        link=report_link("pareto"),
    )


def _general(user: User, policy: Policy, year: Filters, today: date) -> list[Card]:
    return [
        _totals_card(user, year),
        _receivables_card(user, today),
        _trend_card(user, policy, today),
        _structure_card(user, policy, year, "grade", _("按客户等级")),
        _structure_card(user, policy, year, "category", _("按产品品种")),
        _structure_card(user, policy, year, "province", _("按地区")),
        _migration_card(user, policy, today),
        _top_card(user, today),
        _ranking_card(user, policy, year.end),
    ]
