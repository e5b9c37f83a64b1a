"""Movements between states (ANA-2): grade migration in a review — the grade each
customer held before it against the grade it gave, counts and amounts, who moved up and
who down — and the development funnel from the lifecycle status changes the archive's
trigger records (potential → intent → deal, lost and won back, time in each stage)."""

from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhike.archive.models import Customer, CustomerStatus
from zhike.db import cents
from zhike.grading.models import Review, ReviewLine
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy

from .common import grade_label, grade_order, level_axis, share, status_label
from .errors import AnalyticsError
from .filters import Filters, add_months, narrowed
from .models import StatusChange
from .registry import Chart, Report, Result, Series, register

SECTION = gettext_lazy("客户变动")


def _axis(policy: Policy) -> tuple[str, Any]:
    """The review line's level before the review and the level it gave (the adjusted one
    where a reviewer adjusted it), on the policy's level axis (common.level_axis)."""
    axis = level_axis(policy)
    final = Case(When(~Q(**{f"adjusted_{axis}": ""}), then=F(f"adjusted_{axis}")), default=F(axis))
    return f"previous_{axis}", final


def review_for(filters: Filters) -> Review | None:
    """The review named by ``review``, or the last one applied."""
    wanted = filters.extra.get("review", "")
    if wanted:
        if not wanted.isdigit():
            raise AnalyticsError(_("应为评审编号"), field="review")
        review = Review.objects.filter(pk=int(wanted)).first()
        if review is None:
            raise AnalyticsError(_("评审不存在"), field="review")
        return review
    return Review.objects.filter(state=Review.State.APPLIED).order_by("-pk").first()


def migration_counts(
    user: User, review: Review, filters: Filters, policy: Policy
) -> list[dict[str, Any]]:
    """(previous_grade, to, n, amount) per pair of levels."""
    before, final = _axis(policy)
    lines = narrowed(user, ReviewLine.objects.filter(review=review), filters)
    cells = (
        lines.order_by()
        .annotate(was=F(before), to=final)
        .values("was", "to")
        .annotate(n=Count("pk"), amount=Sum("contract_amount"))
    )
    return [dict(cell) for cell in cells]


def migration(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-2 grade migration: from-grade × to-grade of one review, with counts and the
    period's contract amounts; who moved up and who down."""
    review = review_for(filters)
    title = _("等级迁移")
    if review is None:
        return Result(title=title, columns=[], rows=[], notes=[_("还没有生效的分级评审")])
    cells = migration_counts(user, review, filters, policy)
    order = grade_order(policy)
    grades = sorted(
        {c["was"] for c in cells} | {c["to"] for c in cells},
        key=lambda g: order.get(g, len(order)),
    )
    matrix = {(c["was"], c["to"]): (c["n"], cents(c["amount"])) for c in cells}
    rows = []
    for before in grades:
        counts = [matrix.get((before, after), (0, 0))[0] for after in grades]
        amount = sum(
            (matrix.get((before, after), (0, Decimal(0)))[1] for after in grades), Decimal(0)
        )
        rows.append([grade_label(policy, before), *counts, sum(counts), amount])
    graded = {(b, a): v for (b, a), v in matrix.items() if b and a}
    up = sum(n for (b, a), (n, _m) in graded.items() if order.get(a, 99) < order.get(b, 99))
    down = sum(n for (b, a), (n, _m) in graded.items() if order.get(a, 99) > order.get(b, 99))
    same = sum(n for (b, a), (n, _m) in graded.items() if a == b)
    first = sum(n for (b, a), (n, _m) in matrix.items() if not b and a)
    labels = [grade_label(policy, g) for g in grades]
    links: list[str | None] = [None] * len(rows)
    blank = [""] * (len(grades) + 2)
    for pk, name, before, after, moved_up in movers(user, review, policy):
        arrow = "↑" if moved_up else "↓"
        rows.append(
            [f"{arrow} {name}:{grade_label(policy, before)} → {grade_label(policy, after)}", *blank]
        )
        links.append(reverse("customer-detail", args=[pk]))
    chart = Chart(
        kind="bar",
        categories=labels,
        series=[
            Series(
                _("评为%(grade)s") % {"grade": labels[j]},
                [matrix.get((before, after), (0, 0))[0] for before in grades],
            )
            for j, after in enumerate(grades)
        ],
        unit="count",
        stacked=True,
    )
    return Result(
        title=title,
        columns=[_("原等级 \\ 新等级"), *labels, _("合计"), _("合同金额")],
        rows=rows,
        chart=chart,
        notes=[
            _("评审:%(title)s(制度 %(version)s);横轴为原等级,柱内为新等级")
            % {
                "title": review.title,
                "version": review.policy_version,
            },
            _("升级 %(up)s 位,降级 %(down)s 位,不变 %(same)s 位,首次评级 %(first)s 位")
            % {"up": up, "down": down, "same": same, "first": first},
        ],
        links=links,
    )


def movers(user: User, review: Review, policy: Policy, *, limit: int = 20) -> list[list[Any]]:
    """Who moved up and who down in the review, the largest amounts first: rows of
    (customer id, name, from, to, up)."""
    order = grade_order(policy)
    before, final = _axis(policy)
    lines = (
        visible_to(user, ReviewLine.objects.filter(review=review))
        .annotate(was=F(before), to=final)
        .exclude(to=F(before))
        .order_by("-contract_amount", "customer_id")
        .values_list("customer_id", "customer__name", "was", "to")
    )
    up: list[list[Any]] = []
    down: list[list[Any]] = []
    for pk, name, before, after in lines[: limit * 20]:
        if not before or not after:
            continue  # graded for the first time, or no longer graded: not a move
        moved_up = order.get(after, 99) < order.get(before, 99)
        bucket = up if moved_up else down
        if len(bucket) < limit:
            bucket.append([pk, name, before, after, moved_up])
        if len(up) >= limit and len(down) >= limit:
            break
    return up + down


STAGES = (CustomerStatus.POTENTIAL, CustomerStatus.INTENT, CustomerStatus.DEAL)


def _bounds(filters: Filters) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.start, time.min, tzinfo=zone)
    end = datetime.combine(add_months(filters.end, 1), time.min, tzinfo=zone)
    return start, end


def funnel(user: User, filters: Filters, policy: Policy) -> Result:
    """ANA-2 development funnel: customers registered in the period, those who became
    intent and those who became deals; every status move with its count and the average
    days the customer spent in the status it left."""
    start, end = _bounds(filters)
    changes = narrowed(
        user,
        StatusChange.objects.filter(at__gte=start, at__lt=end),
        filters,
    ).order_by()
    created = _created(user, filters, start, end)
    reached = dict(
        changes.values("new")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("new", "n")
    )
    previous = StatusChange.objects.filter(
        customer_id=OuterRef("customer_id"), at__lt=OuterRef("at")
    ).order_by("-at")
    entered = Coalesce(Subquery(previous.values("at")[:1]), F("customer__created_at"))
    moves: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for old, new, at, since in (
        changes.annotate(since=entered)
        .values_list("old", "new", "at", "since")
        .iterator(chunk_size=5000)
    ):
        cell = moves[(old, new)]
        cell[0] += 1
        cell[1] += max((at - since).total_seconds(), 0) / 86400 if since else 0
    steps = [
        (_("新增客户"), created),
        (_("成为意向客户"), reached.get(CustomerStatus.INTENT, 0)),
        (_("成交"), reached.get(CustomerStatus.DEAL, 0)),
    ]
    rows: list[list[Any]] = [
        [label, n, share(n, created) if i else None] for i, (label, n) in enumerate(steps)
    ]
    rows += [
        [
            _("%(old)s → %(new)s") % {"old": status_label(o), "new": status_label(n)},
            int(c[0]),
            round(c[1] / c[0], 1) if c[0] else None,
        ]
        for (o, n), c in sorted(moves.items(), key=lambda kv: -kv[1][0])
    ]
    lost = sum(int(c[0]) for (o, n), c in moves.items() if n == CustomerStatus.LOST)
    won_back = sum(
        int(c[0])
        for (o, n), c in moves.items()
        if n == CustomerStatus.DEAL and o in (CustomerStatus.LOST, CustomerStatus.WIN_BACK)
    )
    chart = Chart(
        kind="funnel",
        categories=[label for label, _n in steps],
        series=[Series(_("客户数"), [n for _l, n in steps])],
        unit="count",
    )
    return Result(
        title=_("客户开发漏斗"),
        columns=[_("阶段 / 状态变化"), _("客户数 / 次数"), _("转化率 % / 平均停留天数")],
        rows=rows,
        chart=chart,
        notes=[_("流失 %(lost)s 次,挽回成交 %(won)s 次") % {"lost": lost, "won": won_back}],
    )


def _created(user: User, filters: Filters, start: datetime, end: datetime) -> int:
    customers = visible_to(
        user,
        Customer.objects.filter(
            created_at__gte=start, created_at__lt=end, merged_into__isnull=True
        ),
    )
    if filters.departments:
        customers = customers.filter(department_id__in=filters.departments)
    if filters.owner is not None:
        customers = customers.filter(owner_id=filters.owner)
    if filters.province is not None:
        customers = customers.filter(province=filters.province)
    return customers.count()


register(
    Report(
        "migration",
        gettext_lazy("等级迁移"),
        SECTION,
        migration,
        extra={"review": ()},
        spec="ANA-2",
    )
)
register(Report("funnel", gettext_lazy("客户开发漏斗"), SECTION, funnel, spec="ANA-2"))
