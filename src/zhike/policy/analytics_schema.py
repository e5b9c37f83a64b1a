"""[analytics]: the settings of the reports (ANA-1…4) that are the company's to choose."""

from pydantic import Field

from .common import Section


class AnalyticsPolicy(Section):
    # ANA-4 80/20: the share of revenue whose customers are "the few" (s002's 80 %).
    pareto_share: int = Field(default=80, ge=1, le=99)
    # ANA-4 churn risk: no order for this many times the customer's usual interval
    # between ordering months (chosen default: twice).
    churn_factor: float = Field(default=2.0, ge=1.0, le=12.0)
    # …and at least this many months without one (a monthly buyer is not at risk after
    # two quiet months in the holidays).
    churn_min_months: int = Field(default=3, ge=1, le=60)
    # RFM looks at this many months before the period's end.
    rfm_months: int = Field(default=12, ge=1, le=120)
    # The longest period a report may cover (a 400 beyond it: issue 17's bad input).
    max_period_years: int = Field(default=10, ge=1, le=50)
