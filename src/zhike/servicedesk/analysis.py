"""The complaint analysis as a report of the analytics mechanism (ANA-2, SRV-7): the
period's complaints by category, channel, handling department or handler, and their
trend, scoped as the queue is; the figures are the service desk's own statistics."""

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhike.analytics.filters import Filters, add_months
from zhike.analytics.registry import Chart, Report, Result, Series, register
from zhike.org.models import User
from zhike.policy.schema import Policy

from .selectors import HANDLE, VIEW
from .stats import month_figures

BY = ("category", "channel", "department", "responsible")


def complaint_analysis(user: User, filters: Filters, policy: Policy) -> Result:
    """Counts of the period's months, by one breakdown, with the monthly trend."""
    by = filters.extra.get("by", "category")
    totals: Counter[str] = Counter()
    trend: list[tuple[str, int]] = []
    month = filters.start
    while month <= filters.end:
        figures = month_figures(user, month=month, policy=policy, trend_months=1)
        for name, count in getattr(figures, f"by_{by}"):
            totals[name] += count
        trend.append((month.strftime("%Y-%m"), figures.total))
        month = add_months(month, 1)
    ranked = totals.most_common()
    whole = sum(totals.values())
    rows = [[name, n, round(n * 100 / whole, 1) if whole else None] for name, n in ranked]
    labels = {
        "category": _("类别"),
        "channel": _("渠道"),
        "department": _("受理部门"),
        "responsible": _("责任部门"),
    }
    return Result(
        title=_("投诉分析:按%(by)s") % {"by": labels[by]},
        columns=[labels[by], _("件数"), _("占比 %")],
        rows=rows + [[_("各月合计"), whole, None]] + [[m, n, None] for m, n in trend],
        chart=Chart(
            "bar",
            [m for m, _n in trend],
            [Series(_("投诉件数"), [n for _m, n in trend])],
            unit="count",
        ),
        notes=[
            _("期间 %(start)s 至 %(end)s;图为各月件数")
            % {"start": filters.start.strftime("%Y-%m"), "end": filters.end.strftime("%Y-%m")}
        ],
    )


register(
    Report(
        "complaints",
        gettext_lazy("投诉分析"),
        gettext_lazy("客户服务"),
        complaint_analysis,
        permission=(VIEW, HANDLE),
        extra={"by": BY},
        spec="ANA-2",
    )
)
