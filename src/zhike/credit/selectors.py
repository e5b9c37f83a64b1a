"""What a credit check reads (CRD-1, CRD-2, exposure): each a bounded query on one
customer's index — the rolling window of invoices, the open invoices, the shipments not
yet invoiced, the orders of the window — never the customer's whole history."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.archive.models import Customer
from zhike.db import cents
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.credit_schema import CreditPolicy, RatingLevel
from zhike.trade.models import Invoice, Order

from .models import CreditRating, Shipment, ShipmentState
from .terms import terms_in_force

ZERO = Decimal(0)


def _sum(queryset: QuerySet[Any], expression: Any) -> Decimal:
    return cents(queryset.aggregate(s=Coalesce(Sum(expression), Value(ZERO)))["s"])


def rating_level(customer_id: int, policy: CreditPolicy) -> RatingLevel | None:
    """The customer's credit rating (CRD-5) as its policy level; None: not rated yet."""
    key = CreditRating.objects.filter(customer_id=customer_id).values_list("rating", flat=True)
    rating = key.first()
    return policy.rating.level(rating) if rating else None


# "Look the rating up": a caller that has read it already passes it (None: not rated).
LOOK_UP: Any = object()


def limit_on(
    customer_id: int, day: date, *, grade: str, policy: CreditPolicy, level: Any = LOOK_UP
) -> Decimal:
    """The limit in force on ``day`` (CRD-2): reproducible for any day, from invoices; the
    customer's credit rating grants its level's share of it (CRD-5); approved special terms
    in force raise it to theirs."""
    limit = _formula(customer_id, day, grade=grade, policy=policy)
    if level is LOOK_UP:
        level = rating_level(customer_id, policy)
    if level is not None and level.limit_percent != 100:
        limit = cents(limit * level.limit_percent / 100)
    special = terms_in_force(customer_id, day)  # approved terms above the formula's
    return max(limit, special.limit) if special is not None else limit


def _formula(customer_id: int, day: date, *, grade: str, policy: CreditPolicy) -> Decimal:
    rule = policy.rule_for(grade)
    if rule.fixed is not None:
        base = rule.fixed
    else:
        window = Invoice.objects.filter(
            customer_id=customer_id,
            issued_on__gte=day - timedelta(days=rule.rolling_days),
            issued_on__lt=day,
        )
        base = _sum(window, "amount")
    base = max(base, rule.floor)
    return min(base, rule.cap) if rule.cap is not None else base


def exposure_of(customer_id: int, day: date, *, policy: CreditPolicy) -> dict[str, Decimal]:
    """Each bucket the policy counts (CRD exposure)."""
    buckets: dict[str, Decimal] = {}
    if "receivables" in policy.exposure:
        open_invoices = Invoice.objects.filter(customer_id=customer_id, paid_on__isnull=True)
        buckets["receivables"] = _sum(open_invoices, F("amount") - F("paid_amount"))
    if "shipped_not_invoiced" in policy.exposure:
        uninvoiced = Shipment.objects.filter(customer_id=customer_id, invoice__isnull=True).exclude(
            state=ShipmentState.CANCELLED
        )
        buckets["shipped_not_invoiced"] = _sum(uninvoiced, "amount")
    if "ordered_not_shipped" in policy.exposure:
        shipped = (
            Shipment.objects.filter(order=OuterRef("pk"))
            .exclude(state=ShipmentState.CANCELLED)
            .order_by()
            .values("order")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        orders = Order.objects.filter(
            customer_id=customer_id,
            signed_on__gte=day - timedelta(days=policy.order_window_days),
        ).annotate(
            left=Greatest(F("amount") - Coalesce(Subquery(shipped), Value(ZERO)), Value(ZERO))
        )
        buckets["ordered_not_shipped"] = _sum(orders, "left")
    return buckets


BUCKET_LABELS = {
    "receivables": gettext_noop("应收账款"),
    "shipped_not_invoiced": gettext_noop("已发货未开票"),
    "ordered_not_shipped": gettext_noop("已订货未发货"),
}
REQUIREMENT_LABELS = {
    "archive_complete": gettext_noop("客户档案不完整(含身份证或营业执照)"),
    "contract_signed": gettext_noop("未签订业务合同"),
    "last_year_cleared": gettext_noop("上年度货款未清零"),
}


def missing_requirements(
    customer: Customer, day: date, *, policy: CreditPolicy, level: Any = LOOK_UP
) -> list[str]:
    """The eligibility items (CRD-1, s003-12 1.1) the customer does not meet, as text; a
    credit rating granting no credit is one (CRD-5)."""
    missing = []
    if level is LOOK_UP:
        level = rating_level(customer.pk, policy)
    if level is not None and level.limit_percent == 0:
        missing.append(_("信用等级为 %(label)s,不授信") % {"label": level.label})
    if "archive_complete" in policy.eligibility and not (
        customer.phone and customer.address and (customer.uscc or customer.id_number_hash)
    ):
        missing.append(_(REQUIREMENT_LABELS["archive_complete"]))
    if (
        "contract_signed" in policy.eligibility
        and not Order.objects.filter(customer_id=customer.pk).exists()
    ):
        missing.append(_(REQUIREMENT_LABELS["contract_signed"]))
    if (
        "last_year_cleared" in policy.eligibility
        and Invoice.objects.filter(
            customer_id=customer.pk, paid_on__isnull=True, issued_on__lt=date(day.year, 1, 1)
        ).exists()
    ):
        missing.append(_(REQUIREMENT_LABELS["last_year_cleared"]))
    return missing


def overdue_blocked(customer_id: int, day: date, *, policy: CreditPolicy) -> bool:
    if not policy.overdue_block_days:
        return False
    cutoff = day - timedelta(days=policy.overdue_block_days)
    return Invoice.objects.filter(
        customer_id=customer_id, paid_on__isnull=True, due_on__lt=cutoff
    ).exists()


def over_limit_this_month(customer_id: int, day: date) -> int:
    first = day.replace(day=1)
    return (
        Shipment.objects.filter(
            customer_id=customer_id,
            shipped_on__gte=first,
            shipped_on__lte=day,
            outcome__in=["first_over", "last_over"],
        )
        .exclude(state=ShipmentState.CANCELLED)
        .count()
    )


@dataclass(frozen=True)
class CreditView:
    """Credit today for a page (the 360° page, the shipping step)."""

    limit: Decimal
    exposure: dict[str, Decimal]
    missing: list[str]
    level: RatingLevel | None = None  # the credit rating (CRD-5), None: not rated

    @property
    def used(self) -> Decimal:
        return sum(self.exposure.values(), ZERO)

    @property
    def headroom(self) -> Decimal:
        return self.limit - self.used


def credit_today(customer: Customer, day: date, *, grade: str, policy: CreditPolicy) -> CreditView:
    level = rating_level(customer.pk, policy)
    return CreditView(
        limit=limit_on(customer.pk, day, grade=grade, policy=policy, level=level),
        exposure=exposure_of(customer.pk, day, policy=policy),
        missing=missing_requirements(customer, day, policy=policy, level=level),
        level=level,
    )


def shipments_for(user: User) -> QuerySet[Shipment]:
    """Shipments of the customers ``user`` may see (ORG-2)."""
    return visible_to(user, Shipment.objects.all())
