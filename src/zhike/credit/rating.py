"""The credit rating rule (CRD-5), pure: a customer's figures over the review period
against the policy's levels, highest first; the first level met is the rating, else the
last. Each level not met says why, for the 升(降)级评审表."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from zhike.policy.credit_schema import RatingLevel


@dataclass(frozen=True)
class Figures:
    invoices_due: int
    on_time_ratio: Decimal | None  # None: nothing fell due in the period
    overdue_count: int
    days_overdue: int  # the oldest open invoice at the period's end, days past due


def shortfalls(figures: Figures, level: RatingLevel) -> list[str]:
    """Why ``figures`` do not meet ``level`` (empty: they do)."""
    missed = []
    if figures.on_time_ratio is not None and figures.on_time_ratio < level.min_on_time:
        missed.append(
            _("按时回款率 %(ratio)s%% 低于 %(min)s%%")
            % {"ratio": figures.on_time_ratio, "min": level.min_on_time}
        )
    if level.max_overdue is not None and figures.overdue_count > level.max_overdue:
        missed.append(
            _("逾期 %(n)s 笔,超过 %(max)s 笔")
            % {"n": figures.overdue_count, "max": level.max_overdue}
        )
    if level.max_days_overdue is not None and figures.days_overdue > level.max_days_overdue:
        missed.append(
            _("最长逾期 %(n)s 天,超过 %(max)s 天")
            % {"n": figures.days_overdue, "max": level.max_days_overdue}
        )
    return missed


def rate(figures: Figures, levels: list[RatingLevel]) -> str:
    for level in levels:
        if not shortfalls(figures, level):
            return level.key
    return levels[-1].key
