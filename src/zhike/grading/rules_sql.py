"""The rules of :mod:`zhike.grading.rules` compiled to SQL expressions over review lines,
so that a review scores a million customers in a few set-based statements (GRD-2…GRD-5).

Each function mirrors its pure counterpart; ``tests/test_grading_rules.py`` checks that
both give the same answers on random figures.
"""

import operator
from datetime import date
from decimal import Decimal
from functools import reduce

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from zhike.dates import months_before
from zhike.policy.grading_schema import (
    Band,
    Criterion,
    GradingPolicy,
    Indicator,
    RuledAxis,
    Scorecard,
)

from .models import Assessment

POINTS = DecimalField(max_digits=10, decimal_places=2)
ATTESTED = "yes"


def band_condition(band: Band, metric: str) -> Q:
    condition = Q(**{f"{metric}__isnull": False})
    for bound, lookup in (
        ("at_least", "gte"),
        ("above", "gt"),
        ("below", "lt"),
        ("at_most", "lte"),
    ):
        if getattr(band, bound) is not None:
            condition &= Q(**{f"{metric}__{lookup}": getattr(band, bound)})
    if band.on_time:
        condition &= Q(overdue_count=0)
    return condition


def rated(key: str, value: str, *, on: date | None = None) -> Exists:
    """Whether the customer's current assessment ``key`` is ``value`` (and still valid)."""
    assessments = Assessment.objects.filter(customer=OuterRef("customer_id"), key=key, value=value)
    if on is not None:
        assessments = assessments.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    return Exists(assessments)


def points_expression(indicator: Indicator) -> Case | Coalesce:
    """Mirrors :func:`zhike.grading.rules.indicator_score`."""
    if indicator.metric is not None:
        whens = [
            When(band_condition(b, indicator.metric), then=Value(b.points)) for b in indicator.bands
        ]
        return Case(*whens, default=Value(Decimal(0)), output_field=POINTS)
    # A manual rating: one lookup of the customer's rating, its option's points.
    option_points = Case(
        *[When(value=o.key, then=Value(o.points)) for o in indicator.options],
        default=Value(Decimal(0)),
        output_field=POINTS,
    )
    points = Assessment.objects.filter(customer=OuterRef("customer_id"), key=indicator.key)
    return Coalesce(
        Subquery(points.annotate(points=option_points).values("points")[:1]),
        Value(Decimal(0)),
        output_field=POINTS,
    )


def score_sql(
    card: Scorecard,
    rules: GradingPolicy,
    *,
    period_end: date,
    points: dict[str, str],
    first_order_on: str,
    vendor: str,
) -> dict[str, str]:
    """Score, points (JSON) and grade as SQL over columns already holding each indicator's
    points (:func:`points_expression`, computed once per line): mirrors
    :func:`zhike.grading.rules.grade_for` — GRD-3 first, then the score bands.

    Keys, grade keys and bounds are inlined: the policy schema restricts them to
    ``[A-Za-z0-9_]`` and numbers, and the dates are computed here.
    """
    total = " + ".join(f"COALESCE({points[i.key]}, 0)" for i in card.indicators)
    build = "jsonb_build_object" if vendor == "postgresql" else "json_object"
    pairs = ", ".join(f"'{i.key}', {points[i.key]}" for i in card.indicators)
    lowest = card.lowest.key
    whens = [f"WHEN {first_order_on} IS NULL THEN '{lowest}'"]
    for months in (rules.first_evaluation_months, rules.new_customer_months):
        cutoff = months_before(period_end, months).isoformat()
        whens.append(f"WHEN {first_order_on} > '{cutoff}' THEN '{lowest}'")
    for band in card.grades[:-1]:
        whens.append(f"WHEN ({total}) >= {band.min_score} THEN '{band.key}'")
    return {
        "score": f"({total})",
        "points": f"{build}({pairs})",
        "grade": f"CASE {' '.join(whens)} ELSE '{lowest}' END",
    }


def _dealt_less_than(months: int, period_end: date) -> Q:
    return Q(first_order_on__gt=months_before(period_end, months))


def grade_note_expression(rules: GradingPolicy, period_end: date) -> Case:
    """Mirrors :func:`zhike.grading.rules.grade_note`."""
    return Case(
        When(first_order_on__isnull=True, then=Value("no_trade")),
        When(
            _dealt_less_than(rules.first_evaluation_months, period_end),
            then=Value("not_evaluated"),
        ),
        When(_dealt_less_than(rules.new_customer_months, period_end), then=Value("new")),
        default=Value(""),
        output_field=CharField(),
    )


def criterion_condition(criterion: Criterion, *, on: date) -> Q | Exists:
    """Mirrors :func:`zhike.grading.rules.criterion_holds`."""
    if criterion.any:
        return reduce(operator.or_, (Q(criterion_condition(c, on=on)) for c in criterion.any))
    if criterion.all:
        return level_condition(criterion.all, on=on)
    if criterion.metric is not None:
        condition = Q(**{f"{criterion.metric}__isnull": False})
        if criterion.at_least is not None:
            condition &= Q(**{f"{criterion.metric}__gte": criterion.at_least})
        if criterion.at_most is not None:
            condition &= Q(**{f"{criterion.metric}__lte": criterion.at_most})
        return condition
    if criterion.field is not None:
        return Q(**{f"customer__{criterion.field}__in": criterion.values})
    return rated(str(criterion.attestation), ATTESTED, on=on)


def level_condition(criteria: list[Criterion], *, on: date) -> Q:
    condition = Q()
    for criterion in criteria:
        condition &= Q(criterion_condition(criterion, on=on))
    return condition


def first_level_expression(axis: RuledAxis, *, on: date) -> Case:
    """The highest level whose criteria hold (quotas aside): mirrors
    :func:`zhike.grading.rules.levels_met` ``[0]``."""
    whens = [
        When(level_condition(level.criteria, on=on), then=Value(level.key))
        for level in axis.levels[:-1]
    ]
    return Case(*whens, default=Value(axis.default.key), output_field=CharField())
