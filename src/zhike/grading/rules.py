"""Grading rules as pure functions of a customer's figures and the policy (GRD-2…GRD-5).

This module is the readable statement of the rules and what one customer's grading page
shows. A review of a whole company runs the same rules as SQL compiled by
:mod:`zhike.grading.rules_sql`; a differential test holds the two to the same answers.
"""

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from zhike.dates import months_before
from zhike.policy.grading_schema import (
    Band,
    Criterion,
    GradingPolicy,
    Indicator,
    Level,
    RuledAxis,
    Scorecard,
)

ZERO = Decimal(0)


def dealt_less_than(first_order_on: date, *, months: int, period_end: date) -> bool:
    """Whether dealings started less than ``months`` before the period's end."""
    return first_order_on > months_before(period_end, months)


def band_applies(band: Band, value: Decimal | None, overdue_count: int) -> bool:
    if value is None:
        return False
    if band.at_least is not None and value < band.at_least:
        return False
    if band.above is not None and value <= band.above:
        return False
    if band.below is not None and value >= band.below:
        return False
    if band.at_most is not None and value > band.at_most:
        return False
    return not (band.on_time and overdue_count > 0)


@dataclass(frozen=True)
class IndicatorScore:
    key: str
    label: str
    value: Decimal | str | None  # the figure, or the manual rating's key
    band: str  # the band's or option's label; "" when nothing applied
    points: Decimal


def indicator_score(indicator: Indicator, figures: Any, rating: str | None) -> IndicatorScore:
    """Points of one indicator: the first band that applies, or the rated option."""
    if indicator.metric is not None:
        value = getattr(figures, indicator.metric)
        for band in indicator.bands:
            if band_applies(band, value, figures.overdue_count):
                return IndicatorScore(
                    indicator.key, indicator.label, value, band.label, band.points
                )
        return IndicatorScore(indicator.key, indicator.label, value, "", ZERO)
    for option in indicator.options:
        if option.key == rating:
            return IndicatorScore(
                indicator.key, indicator.label, rating, option.label, option.points
            )
    return IndicatorScore(indicator.key, indicator.label, rating, "", ZERO)


@dataclass(frozen=True)
class GradeResult:
    total: Decimal
    grade: str
    # Why the grade is the lowest whatever the total (GRD-3): "no_trade", "not_evaluated"
    # (dealings shorter than the first evaluation), "new" (first year); "" otherwise.
    note: str
    indicators: tuple[IndicatorScore, ...]


def grade_note(first_order_on: date | None, rules: GradingPolicy, period_end: date) -> str:
    if first_order_on is None:
        return "no_trade"
    if dealt_less_than(first_order_on, months=rules.first_evaluation_months, period_end=period_end):
        return "not_evaluated"
    if dealt_less_than(first_order_on, months=rules.new_customer_months, period_end=period_end):
        return "new"
    return ""


def grade_for(
    figures: Any,
    ratings: Mapping[str, str],
    card: Scorecard,
    rules: GradingPolicy,
    *,
    period_end: date,
) -> GradeResult:
    """Score each indicator by its bands, add them up and map the total to a grade band
    (GRD-2); a customer without a year of dealings stays at the lowest grade (GRD-3)."""
    scores = tuple(indicator_score(i, figures, ratings.get(i.key)) for i in card.indicators)
    total = sum((s.points for s in scores), ZERO)
    note = grade_note(figures.first_order_on, rules, period_end)
    grade = card.lowest.key
    if not note:
        grade = next(g.key for g in card.grades if total >= g.min_score)
    return GradeResult(total=total, grade=grade, note=note, indicators=scores)


def criterion_holds(
    criterion: Criterion, figures: Any, fields: Mapping[str, str], attested: Set[str]
) -> bool:
    """One tier condition (GRD-5); a missing figure fails a bound."""
    if criterion.any:
        return any(criterion_holds(c, figures, fields, attested) for c in criterion.any)
    if criterion.all:
        return all(criterion_holds(c, figures, fields, attested) for c in criterion.all)
    if criterion.metric is not None:
        value = getattr(figures, criterion.metric)
        if value is None:
            return False
        if criterion.at_least is not None and value < criterion.at_least:
            return False
        return not (criterion.at_most is not None and value > criterion.at_most)
    if criterion.field is not None:
        return fields.get(criterion.field, "") in criterion.values
    return criterion.attestation in attested


def meets(level: Level, figures: Any, fields: Mapping[str, str], attested: Set[str]) -> bool:
    return all(criterion_holds(c, figures, fields, attested) for c in level.criteria)


def levels_met(
    axis: RuledAxis, figures: Any, fields: Mapping[str, str], attested: Set[str]
) -> list[Level]:
    """Every level whose criteria the customer meets, highest first (quotas aside)."""
    return [level for level in axis.levels if meets(level, figures, fields, attested)]


def describe(criterion: Criterion) -> str:
    """A condition in words, for reasons shown to reviewers."""
    if criterion.label:
        return criterion.label
    if criterion.any:
        return "(" + " 或 ".join(describe(c) for c in criterion.any) + ")"
    if criterion.all:
        return " 且 ".join(describe(c) for c in criterion.all)
    if criterion.metric is not None:
        parts = []
        if criterion.at_least is not None:
            parts.append(f"{criterion.metric} ≥ {criterion.at_least}")
        if criterion.at_most is not None:
            parts.append(f"{criterion.metric} ≤ {criterion.at_most}")
        return " 且 ".join(parts)
    if criterion.field is not None:
        return f"{criterion.field} ∈ {'/'.join(criterion.values)}"
    return f"认定:{criterion.attestation}"
