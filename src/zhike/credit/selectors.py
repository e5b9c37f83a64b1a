"""What a credit check reads (CRD-1, CRD-2, exposure): each a bounded query on one
customer's index — the rolling window of invoices, the open invoices, the shipments not
yet invoiced, the orders of the window — never the customer's whole history."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import router
from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.archive.models import Customer
from zhike.compiled import CompiledQuery
from zhike.db import cents
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.credit_schema import CreditPolicy, RatingLevel
from zhike.trade.models import Invoice, Order

from .books import Books, read_books
from .models import Attestation, Shipment, ShipmentState, SpecialTerms
from .terms import terms_in_force

ZERO = Decimal(0)


def _sum(queryset: QuerySet[Any], expression: Any) -> Decimal:
    return cents(queryset.aggregate(s=Coalesce(Sum(expression), Value(ZERO)))["s"])


def rating_level(customer_id: int, policy: CreditPolicy) -> RatingLevel | None:
    """The customer's credit rating (CRD-5) as its policy level; None: not rated yet."""
    return _level(read_books(customer_id, date.min, policy=policy, parts={"rating"}), policy)


def _level(books: Books, policy: CreditPolicy) -> RatingLevel | None:
    return policy.rating.level(books.rating) if books.rating else None


# "Look the rating up": a caller that has read it already passes it (None: not rated).
LOOK_UP: Any = object()


def _window_days(policy: CreditPolicy, grade: str, special: SpecialTerms | None) -> int | None:
    """The limit's rolling window (CRD-2), widened to longer payment terms; None: the
    grade's limit is fixed."""
    rule = policy.rule_for(grade)
    if rule.fixed is not None:
        return None
    return max(rule.rolling_days, (special.payment_days or 0) if special is not None else 0)


def limit_on(
    customer_id: int, day: date, *, grade: str, policy: CreditPolicy, level: Any = LOOK_UP
) -> Decimal:
    """The limit in force on ``day`` (CRD-2): reproducible for any day, from invoices; the
    customer's credit rating grants its level's share of it (CRD-5); approved special terms
    in force raise it to theirs, and a longer payment term widens the rolling window to
    it (s003-12 1.2 counts the 30 days of the usual term; 60-day terms, 60 days)."""
    special = terms_in_force(customer_id, day)
    parts = {"window"} | ({"rating"} if level is LOOK_UP else set())
    window_days = _window_days(policy, grade, special)
    books = read_books(customer_id, day, policy=policy, parts=parts, window_days=window_days)
    if level is LOOK_UP:
        level = _level(books, policy)
    return _limit(books, grade=grade, policy=policy, level=level, special=special)


def _limit(
    books: Books,
    *,
    grade: str,
    policy: CreditPolicy,
    level: RatingLevel | None,
    special: SpecialTerms | None,
) -> Decimal:
    rule = policy.rule_for(grade)
    base = rule.fixed if rule.fixed is not None else books.window_invoiced
    base = max(base, rule.floor)
    limit = min(base, rule.cap) if rule.cap is not None else base
    if level is not None and level.limit_percent != 100:
        limit = cents(limit * level.limit_percent / 100)
    if special is not None and special.limit is not None:
        return max(limit, special.limit)
    return limit


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
    return read_books(customer_id, day, policy=policy, parts={"exposure"}).exposure


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


def unmet_by_data(
    customer: Customer, day: date, policy: CreditPolicy, books: Books | None = None
) -> list[str]:
    """The eligibility items the data shows unmet (``books``: read already, with its
    "eligibility" part)."""
    if books is None:
        books = read_books(customer.pk, day, policy=policy, parts={"eligibility"})
    unmet = []
    if "archive_complete" in policy.eligibility and not (
        customer.phone and customer.address and (customer.uscc or customer.id_number_hash)
    ):
        unmet.append("archive_complete")
    if "contract_signed" in policy.eligibility and not books.has_order:
        unmet.append("contract_signed")
    if "last_year_cleared" in policy.eligibility and books.unpaid_before_this_year:
        unmet.append("last_year_cleared")
    return unmet


def attested_items(customer_id: int, day: date) -> set[str]:
    """The eligibility items a person has attested for the customer, valid on ``day``."""
    using = router.db_for_read(Attestation)
    return {item for (item,) in _ATTESTED.rows(using, customer=customer_id, day=day)}


def _attested(*, customer: int, day: date) -> QuerySet[Attestation, Any]:
    valid = Attestation.objects.filter(customer_id=customer).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )
    return valid.values_list("requirement")


_ATTESTED = CompiledQuery(_attested, ids=("customer",), dates=("day",))


def missing_requirements(
    customer: Customer, day: date, *, policy: CreditPolicy, level: Any = LOOK_UP
) -> list[str]:
    """The eligibility items (CRD-1, s003-12 1.1) the customer does not meet, as text: by
    the data, unless the item is one the policy lets a person attest and it is attested;
    a credit rating granting no credit is one (CRD-5)."""
    parts = {"eligibility"} | ({"rating"} if level is LOOK_UP else set())
    books = read_books(customer.pk, day, policy=policy, parts=parts)
    return _missing(
        customer,
        day,
        books,
        policy=policy,
        level=_level(books, policy) if level is LOOK_UP else level,
    )


def _missing(
    customer: Customer,
    day: date,
    books: Books,
    *,
    policy: CreditPolicy,
    level: RatingLevel | None,
) -> list[str]:
    missing = []
    if level is not None and level.limit_percent == 0:
        missing.append(_("信用等级为 %(label)s,不授信") % {"label": level.label})
    unmet = unmet_by_data(customer, day, policy, books)
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
    """Limit, exposure, what is missing and the rating: the special terms in force, then
    one statement for the rest of the books (and the attestations, when they can matter)."""
    special = terms_in_force(customer.pk, day)
    books = read_books(
        customer.pk,
        day,
        policy=policy,
        parts={"rating", "window", "exposure", "eligibility"},
        window_days=_window_days(policy, grade, special),
    )
    level = _level(books, policy)
    return CreditView(
        limit=_limit(books, grade=grade, policy=policy, level=level, special=special),
        exposure=books.exposure,
        missing=_missing(customer, day, books, policy=policy, level=level),
        level=level,
    )


def shipments_for(user: User) -> QuerySet[Shipment]:
    """Shipments of the customers ``user`` may see (ORG-2)."""
    return visible_to(user, Shipment.objects.all())
