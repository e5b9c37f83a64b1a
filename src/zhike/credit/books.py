"""What a credit check reads of one customer's books on a day (CRD-1, CRD-2, exposure),
in one statement: its rating, the invoices of the limit's rolling window, the exposure
buckets, whether it has a contract and whether last year's invoices are paid. Each part
is a bounded read on the customer's index, never its whole history.

The statement is compiled once per shape (which parts, which buckets the policy
counts): the ORM took 2.8 ms to compile what the database answers in 0.4 ms, on the
360° page and on every shipping check."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import router
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from zhike.archive.models import Customer
from zhike.compiled import CompiledQueries, CompiledQuery
from zhike.db import cents
from zhike.policy.credit_schema import CreditPolicy
from zhike.trade.models import Invoice, Order

from .models import CreditRating, Shipment, ShipmentState

ZERO = Decimal(0)
BUCKETS = ("receivables", "shipped_not_invoiced", "ordered_not_shipped")


@dataclass(frozen=True)
class Books:
    """Parts not asked for are left at their empty value."""

    rating: str | None = None
    window_invoiced: Decimal = ZERO
    exposure: dict[str, Decimal] = field(default_factory=dict)
    has_order: bool = True
    unpaid_before_this_year: bool = False


@dataclass(frozen=True)
class _Shape:
    rating: bool
    window: bool
    buckets: tuple[str, ...]
    has_order: bool
    unpaid_before: bool

    def dates(self) -> tuple[str, ...]:
        names: tuple[str, ...] = ("day", "window_start") if self.window else ()
        if "ordered_not_shipped" in self.buckets:
            names += ("orders_from",)
        if self.unpaid_before:
            names += ("year_start",)
        return names


_COMPILED = CompiledQueries()


def read_books(
    customer_id: int,
    day: date,
    *,
    policy: CreditPolicy,
    parts: set[str],
    window_days: int | None = None,
) -> Books:
    """``parts``: any of "rating", "window" (needs ``window_days``), "exposure",
    "eligibility"."""
    shape = _Shape(
        rating="rating" in parts,
        window="window" in parts and window_days is not None,
        buckets=tuple(b for b in BUCKETS if b in policy.exposure) if "exposure" in parts else (),
        has_order="eligibility" in parts and "contract_signed" in policy.eligibility,
        unpaid_before="eligibility" in parts and "last_year_cleared" in policy.eligibility,
    )
    if shape == _Shape(False, False, (), False, False):
        return Books()
    compiled = _COMPILED.get(
        shape,
        lambda: CompiledQuery(partial(_statement, shape), ids=("customer",), dates=shape.dates()),
    )
    values = {
        "day": day,
        "window_start": day - timedelta(days=window_days or 0),
        "orders_from": day - timedelta(days=policy.order_window_days),
        "year_start": date(day.year, 1, 1),
    }
    row = compiled.one(
        router.db_for_read(Customer),
        customer=customer_id,
        **{name: values[name] for name in shape.dates()},
    )
    return Books(
        rating=row.get("rating"),
        window_invoiced=cents(row.get("window") or ZERO),
        exposure={b: cents(row[b] or ZERO) for b in shape.buckets},
        has_order=bool(row.get("has_order", True)),
        unpaid_before_this_year=bool(row.get("unpaid_before", False)),
    )


def _statement(shape: _Shape, *, customer: int, **dates: date) -> QuerySet[Customer, Any]:
    columns: dict[str, Any] = {}
    if shape.rating:
        ratings = CreditRating.objects.filter(customer_id=customer)
        columns["rating"] = Subquery(ratings.values("rating")[:1])
    if shape.window:
        invoiced = Invoice.objects.filter(
            customer_id=customer, issued_on__gte=dates["window_start"], issued_on__lt=dates["day"]
        )
        columns["window"] = _total(invoiced, "amount")
    for bucket in shape.buckets:
        columns[bucket] = _total(*_bucket(bucket, customer, dates.get("orders_from")))
    if shape.has_order:
        columns["has_order"] = Exists(Order.objects.filter(customer_id=customer))
    if shape.unpaid_before:
        last_year = Invoice.objects.filter(
            customer_id=customer, paid_on__isnull=True, issued_on__lt=dates["year_start"]
        )
        columns["unpaid_before"] = Exists(last_year)
    return Customer.objects.filter(pk=customer).values(**columns)


def _total(queryset: QuerySet[Any], amount: Any) -> Coalesce:
    """The sum of ``amount`` over ``queryset`` as a column of another statement."""
    summed = queryset.order_by().values("customer_id").annotate(s=Sum(amount)).values("s")
    return Coalesce(Subquery(summed), Value(ZERO))


def _bucket(bucket: str, customer: int, orders_from: date | None) -> tuple[QuerySet[Any], Any]:
    """An exposure bucket (CRD exposure): its rows and their amount."""
    if bucket == "receivables":
        open_invoices = Invoice.objects.filter(customer_id=customer, paid_on__isnull=True)
        return open_invoices, F("amount") - F("paid_amount")
    if bucket == "shipped_not_invoiced":
        uninvoiced = Shipment.objects.filter(customer_id=customer, invoice__isnull=True)
        return uninvoiced.exclude(state=ShipmentState.CANCELLED), "amount"
    shipped = (
        Shipment.objects.filter(order=OuterRef("pk"))
        .exclude(state=ShipmentState.CANCELLED)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    orders = Order.objects.filter(customer_id=customer, signed_on__gte=orders_from).annotate(
        left=Greatest(F("amount") - Coalesce(Subquery(shipped), Value(ZERO)), Value(ZERO))
    )
    return orders, "left"
