"""What the reports share: the cube within the filters, money in yuan with fen, the
period's buckets, and the names behind the keys."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _

from zhike.archive.models import CustomerStatus
from zhike.grading.labels import level_label
from zhike.org.models import Department, User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy

from .filters import LEVEL, Filters, add_months
from .models import CustomerSales, OwnerCube, RegionCube, SalesCube


def share(part: Any, whole: Any) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is no whole."""
    whole = Decimal(str(whole or 0))
    if not whole:
        return None
    return (Decimal(str(part or 0)) * 100 / whole).quantize(Decimal("0.1"))


def change(now: Any, before: Any) -> Decimal | None:
    """The change from ``before`` in per cent (同比)."""
    before = Decimal(str(before or 0))
    if not before:
        return None
    return ((Decimal(str(now or 0)) - before) * 100 / before).quantize(Decimal("0.1"))


# Where each logical key lives in each source of figures, coarsest source first: a
# report reads the first source that has every key it groups or filters by. The customer
# months are the fallback for a combination no cube holds (a grade filter with a province
# breakdown): slower, never wrong.
FIGURE_SOURCES: tuple[tuple[type[Model], dict[str, str]], ...] = (
    (
        OwnerCube,
        {"month": "month", "owner": "owner_key", "department": "department_key"},
    ),
    (
        SalesCube,
        {
            "month": "month",
            "owner": "owner_key",
            "department": "department_key",
            "grade": "grade",
            "category": "category",
        },
    ),
    (
        RegionCube,
        {
            "month": "month",
            "owner": "owner_key",
            "department": "department_key",
            "province": "province",
        },
    ),
    (
        CustomerSales,
        {
            "month": "month",
            "owner": "customer__owner_id",
            "department": "customer__department_id",
            "grade": "level",
            "province": "customer__province",
            "category": "category",
        },
    ),
)


def figures(
    user: User, filters: Filters, by: tuple[str, ...], measures: dict[str, Any]
) -> list[dict[str, Any]]:
    """The sums of ``measures`` grouped by the logical keys ``by`` (month, owner,
    department, grade, category, province), within the scope and the filters."""
    wanted = set(by)
    wanted |= {
        name for name in ("grade", "category", "province") if getattr(filters, name) is not None
    }
    model, columns = next(
        (model, columns) for model, columns in FIGURE_SOURCES if wanted <= set(columns)
    )
    queryset = visible_to(
        user,
        model.objects.filter(month__gte=filters.start, month__lte=filters.end),  # type: ignore[attr-defined]
    )
    if model is CustomerSales:
        queryset = queryset.annotate(level=LEVEL)
    if filters.departments:
        queryset = queryset.filter(**{f"{columns['department']}__in": filters.departments})
    if filters.owner is not None:
        queryset = queryset.filter(**{columns["owner"]: filters.owner})
    for name in ("grade", "category", "province"):
        value = getattr(filters, name)
        if value is None:
            continue
        if name == "grade" and value == "none":
            value = ""
        queryset = queryset.filter(**{columns[name]: value})
    if not by:
        return [queryset.aggregate(**measures)]
    rows = queryset.order_by().values(*[columns[k] for k in by]).annotate(**measures)
    return [{**{k: r[columns[k]] for k in by}, **{m: r[m] for m in measures}} for r in rows]


def bucket_of(month: date, grain: str) -> str:
    if grain == "year":
        return str(month.year)
    if grain == "quarter":
        return f"{month.year} Q{(month.month - 1) // 3 + 1}"
    return month.strftime("%Y-%m")


def buckets(filters: Filters) -> list[str]:
    """The period's buckets in order (every month, quarter or year, with or without
    figures)."""
    labels: list[str] = []
    month = filters.start
    while month <= filters.end:
        label = bucket_of(month, filters.grain)
        if not labels or labels[-1] != label:
            labels.append(label)
        month = add_months(month, 1)
    return labels


def level_axis(policy: Policy) -> str:
    """What "客户等级" means in the reports: the score grade, or the tier where the policy
    has no score (the general and wholesale presets grade by value tier only)."""
    return "grade" if policy.grading.score is not None else "tier"


def levels(policy: Policy) -> list[tuple[str, str]]:
    """The policy's levels, highest first: (key, label)."""
    rules = policy.grading
    if rules.score is not None:
        return [(g.key, g.label) for g in rules.score.grades]
    return [(lv.key, lv.label) for lv in rules.tier.levels] if rules.tier else []


def grade_order(policy: Policy) -> dict[str, int]:
    """Highest level first; no level last."""
    order = {key: i for i, (key, _label) in enumerate(levels(policy))}
    order[""] = len(order)
    return order


def grade_label(policy: Policy, key: str) -> str:
    return level_label(policy, level_axis(policy), key) if key else _("未评级")


def status_label(key: str) -> str:
    return str(CustomerStatus(key).label) if key in CustomerStatus.values else key


def user_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i]
    people = User.objects.filter(pk__in=wanted).values_list("pk", "display_name", "username")
    names = {pk: display or username for pk, display, username in people}
    names[0] = _("公海")
    return names


def department_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i]
    names = dict(Department.objects.filter(pk__in=wanted).values_list("pk", "name"))
    names[0] = _("无部门")
    return names


def level_link(policy: Policy, key: str, **params: Any) -> str | None:
    """The customer list of one level (the list filters grade or tier)."""
    if not key:
        return None
    return customers_link(**{level_axis(policy): key}, **params)


def customers_link(**params: Any) -> str:
    """The customer list filtered as a card's number counts (the list behind it)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("customer-list") + (f"?{query}" if query else "")


def report_link(key: str, filters: Filters | None = None, **overrides: Any) -> str:
    query = urlencode(filters.query(**overrides) if filters else overrides)
    return reverse("analytics-report", args=[key]) + (f"?{query}" if query else "")
