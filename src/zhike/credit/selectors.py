"""What a credit check reads (CRD-1, CRD-2, exposure): each a bounded query on one
customer's index — the rolling window of invoices, the open invoices, the shipments not
yet invoiced, the orders of the window — never the customer's whole history."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.archive.models import Customer
from zhike.db import cents
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.credit_schema import CreditPolicy, RatingLevel
from zhike.trade.models import Invoice, Order

from .models import Attestation, CreditRating, Shipment, ShipmentState
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
    in force raise it to theirs, and a longer payment term widens the rolling window to
    it (s003-12 1.2 counts the 30 days of the usual term; 60-day terms, 60 days)."""
    special = terms_in_force(customer_id, day)
    window = special.payment_days if special is not None else None
    limit = _formula(customer_id, day, grade=grade, policy=policy, window=window)
    if level is LOOK_UP:
        level = rating_level(customer_id, policy)
    if level is not None and level.limit_percent != 100:
        limit = cents(limit * level.limit_percent / 100)
    if special is not None and special.limit is not None:
        return max(limit, special.limit)
    return limit


def _formula(
    customer_id: int, day: date, *, grade: str, policy: CreditPolicy, window: int | None
) -> Decimal:
    rule = policy.rule_for(grade)
    if rule.fixed is not None:
        base = rule.fixed
    else:
        days = max(rule.rolling_days, window or 0)
        invoiced = Invoice.objects.filter(
            customer_id=customer_id, issued_on__gte=day - timedelta(days=days), issued_on__lt=day
        )
        base = _sum(invoiced, "amount")
    base = max(base, rule.floor)
    return min(base, rule.cap) if rule.cap is not None else base


def order_left(order_id: int, day: date, *, policy: CreditPolicy) -> Decimal:
    """What of a contract the ordered-not-shipped bucket counts on ``day``: its unshipped
    part, if it was signed within the bucket's window."""
    order = (
        Order.objects.filter(
            pk=order_id, signed_on__gte=day - timedelta(days=policy.order_window_days)
        )
        .values_list("amount", flat=True)
        .first()
    )
    shipped = Shipment.objects.filter(order_id=order_id).exclude(state=ShipmentState.CANCELLED)
    return max((order or ZERO) - _sum(shipped, "amount"), ZERO)


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
# The items as a checklist names them (s003-12 1.1.1–1.1.3).
ITEM_LABELS = {
    "archive_complete": gettext_noop("已建立客户档案(含开户人身份证复印件)"),
    "contract_signed": gettext_noop("已签订业务合同(含结算协议)"),
    "last_year_cleared": gettext_noop("上年度货款清零"),
}


def unmet_by_data(customer: Customer, day: date, policy: CreditPolicy) -> list[str]:
    unmet = []
    if "archive_complete" in policy.eligibility and not (
        customer.phone and customer.address and (customer.uscc or customer.id_number_hash)
    ):
        unmet.append("archive_complete")
    if (
        "contract_signed" in policy.eligibility
        and not Order.objects.filter(customer_id=customer.pk).exists()
    ):
        unmet.append("contract_signed")
    if (
        "last_year_cleared" in policy.eligibility
        and Invoice.objects.filter(
            customer_id=customer.pk, paid_on__isnull=True, issued_on__lt=date(day.year, 1, 1)
        ).exists()
    ):
        unmet.append("last_year_cleared")
    return unmet


def attested_items(customer_id: int, day: date) -> set[str]:
    """The eligibility items a person has attested for the customer, valid on ``day``."""
    valid = Attestation.objects.filter(customer_id=customer_id).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )
    return set(valid.values_list("requirement", flat=True))


def missing_requirements(
    customer: Customer, day: date, *, policy: CreditPolicy, level: Any = LOOK_UP
) -> list[str]:
    """The eligibility items (CRD-1, s003-12 1.1) the customer does not meet, as text: by
    the data, unless the item is one the policy lets a person attest and it is attested;
    a credit rating granting no credit is one (CRD-5)."""
    missing = []
    if level is LOOK_UP:
        level = rating_level(customer.pk, policy)
    if level is not None and level.limit_percent == 0:
        missing.append(_("信用等级为 %(label)s,不授信") % {"label": level.label})
    unmet = unmet_by_data(customer, day, policy)
    if any(item in policy.attestable for item in unmet):  # asked only when it can matter
        attested = attested_items(customer.pk, day) & set(policy.attestable)
        unmet = [item for item in unmet if item not in attested]
    return missing + [_(REQUIREMENT_LABELS[item]) for item in unmet]


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
