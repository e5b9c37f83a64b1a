"""ENG-11 日报 (s000 销售部 3): each morning, yesterday's visits and deals filled in from the
data, today's plan typed by the salesperson; the supervisor sees the team's on one page."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.db import unique_or
from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.trade.models import Order

from .errors import EngagementError
from .models import DailyReport, FollowUp, FollowUpState

PLAN_MAX = 2000


@transaction.atomic
def daily_report_save(*, by: User, day: date, plan: str) -> DailyReport:
    """Today's plan of ``by`` (saved again, it replaces the morning's text)."""
    text = plan.strip()
    if not text:
        raise EngagementError(_("请填写今日计划"), field="plan")
    if len(text) > PLAN_MAX:
        raise EngagementError(_("今日计划不能超过 %(n)s 字") % {"n": PLAN_MAX}, field="plan")
    with unique_or(EngagementError(_("日报已被同时保存,请刷新后再试"))):
        report, _created = DailyReport.objects.update_or_create(
            owner=by, day=day, defaults={"plan": text}
        )
    return report


@dataclass(frozen=True)
class DailyLine:
    user_id: int
    name: str
    visits: int  # follow-ups done yesterday
    deals: int  # contracts signed yesterday on the person's customers
    deal_amount: Decimal
    plan: str  # today's plan, "" when not written yet


def team_day(viewer: User, *, day: date, roles: list[str]) -> list[DailyLine]:
    """The people with ``roles`` in ``viewer``'s scope: yesterday's figures and today's
    plan — three grouped queries for the whole team."""
    yesterday = day - timedelta(days=1)
    people = list(
        users_in_scope(viewer).filter(roles__code__in=roles).distinct().order_by("username")[:500]
    )
    ids = [p.pk for p in people]
    start = timezone.make_aware(datetime.combine(yesterday, time.min))
    visits = dict(
        FollowUp.objects.filter(
            by_id__in=ids,
            state=FollowUpState.DONE,
            occurred_at__gte=start,
            occurred_at__lt=start + timedelta(days=1),
        )
        .values("by")
        .annotate(n=Count("pk"))
        .values_list("by", "n")
    )
    deals = {
        owner: (n, amount or Decimal(0))
        for owner, n, amount in Order.objects.filter(
            customer__owner_id__in=ids, signed_on=yesterday
        )
        .values("customer__owner")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .values_list("customer__owner", "n", "amount")
    }
    plans = dict(
        DailyReport.objects.filter(owner_id__in=ids, day=day).values_list("owner_id", "plan")
    )
    return [
        DailyLine(
            user_id=p.pk,
            name=str(p),
            visits=visits.get(p.pk, 0),
            deals=deals.get(p.pk, (0, Decimal(0)))[0],
            deal_amount=deals.get(p.pk, (0, Decimal(0)))[1],
            plan=plans.get(p.pk, ""),
        )
        for p in people
    ]
