"""The receivables aging as a report of the analytics mechanism (ANA-2, CRD-4): the
aging table by salesperson or department as at the period's end, a stacked bar per
bucket; the numbers are credit's own aging table."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhike.analytics.filters import Filters, add_months
from zhike.analytics.registry import Chart, Report, Result, Series, as_number, register
from zhike.org.models import User
from zhike.policy.schema import Policy

from . import aging

READERS = ("trade.add_invoice", "archive.view_customer_phone")


def aging_report(user: User, filters: Filters, policy: Policy) -> Result:
    by = filters.extra.get("by", "owner")
    # As at the period's last day, or today while that is still to come.
    on = min(add_months(filters.end, 1) - timedelta(days=1), timezone.localdate())
    table = aging.aging(user, on=on, by=by, policy=policy, limit=50)
    names = [row.name for row in table.rows]
    chart = Chart(
        "bar",
        names,
        [
            Series(label, [as_number(row.buckets[i]) for row in table.rows])
            for i, label in enumerate(table.labels)
        ],
        stacked=True,
    )
    return Result(
        title=_("应收账款账龄"),
        columns=[_("名称"), _("应收合计"), *table.labels],
        rows=[[row.name, row.total, *row.buckets] for row in table.rows],
        chart=chart,
        notes=[_("截至 %(on)s") % {"on": table.on.isoformat()}],
    )


register(
    Report(
        "aging",
        gettext_lazy("应收账款账龄"),
        gettext_lazy("应收与信用"),
        aging_report,
        permission=READERS,
        extra={"by": ("owner", "department", "customer")},
        spec="ANA-2",
    )
)
