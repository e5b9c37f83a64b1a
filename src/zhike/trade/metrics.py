"""Per-customer trade figures for a period, computed set-based (GRD-2, GRD-5).

One SELECT with a GROUP BY per ledger table, joined to the customers: the database does
the work in a few hash aggregates whatever the number of customers, instead of one query
(or one Python loop) per customer. The same SQL serves one customer's grading page (with
``customer_id``) and a review of a million customers (inserted straight into the review's
lines with ``INSERT … SELECT``). Standard SQL: it runs unchanged on SQLite and PostgreSQL.

Figures, by column name (the names a policy's indicators and criteria refer to):

=====================  ================================================================
contract_amount        合同金额: sum of line amounts signed in the period
volume                 批发量: sum of line quantities in the policy's volume unit (吨)
price_premium          协议溢价 %: contract over list price, lines with a list price
order_count            合同数: contracts signed in the period
collected_amount       回款金额: payments received in the period
invoices_due           invoices falling due in the period
on_time_ratio          按时回款率 %: of those, settled by their due date (NULL if none)
overdue_count          逾期笔数: of those, settled late or still open after due
receivables            年终应收账款: invoiced minus paid, as at the period's end
first_order_on         first contract ever signed up to the period's end
main_category          主营品种: the category with the largest amount in the period
=====================  ================================================================
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from zhike.archive.models import Customer
from zhike.dates import months_before

from .models import Invoice, Order, OrderLine, Payment

METRIC_COLUMNS = (
    "contract_amount",
    "volume",
    "price_premium",
    "order_count",
    "collected_amount",
    "invoices_due",
    "on_time_ratio",
    "overdue_count",
    "receivables",
    "first_order_on",
    "main_category",
)


@dataclass(frozen=True)
class Period:
    """The review window: figures cover ``start`` … ``end`` inclusive."""

    start: date
    end: date

    @classmethod
    def months_to(cls, end: date, months: int) -> "Period":
        """``months`` whole months up to and including ``end`` (the grading policy's
        period_months: 1 Jan … 30 Jun for six months to 30 Jun)."""
        return cls(start=months_before(end, months) + timedelta(days=1), end=end)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def metrics_sql(
    period: Period,
    *,
    volume_unit: str,
    customer_id: int | None = None,
    without_status: str | None = None,
) -> tuple[str, list[Any]]:
    """``SELECT customer_id, <METRIC_COLUMNS>`` for every live customer (or one), leaving
    out customers in ``without_status`` (a review skips the blacklist)."""
    customers, lines, orders = _table(Customer), _table(OrderLine), _table(Order)
    invoices, payments = _table(Invoice), _table(Payment)
    one = "AND customer_id = %s" if customer_id is not None else ""
    # The CASTs give each figure a numeric type on every database (SQLite compares an
    # untyped expression with a number as text otherwise).
    # One pass over each ledger table: lines are grouped by (customer, category) once and
    # rolled up per customer, the largest category ranked first by a window function;
    # invoices and payments each give every figure they hold in one GROUP BY.
    sql = f"""
SELECT c.id AS customer_id,
       CAST(COALESCE(l.contract_amount, 0) AS NUMERIC) AS contract_amount,
       CAST(COALESCE(l.volume, 0) AS NUMERIC) AS volume,
       CAST(CASE WHEN l.list_amount > 0
                 THEN ROUND((l.priced_amount * 100.0 / l.list_amount) - 100, 2) END
            AS NUMERIC) AS price_premium,
       CAST(COALESCE(o.order_count, 0) AS INTEGER) AS order_count,
       CAST(COALESCE(p.collected_amount, 0) AS NUMERIC) AS collected_amount,
       CAST(COALESCE(i.invoices_due, 0) AS INTEGER) AS invoices_due,
       CAST(CASE WHEN i.invoices_due > 0
                 THEN ROUND(i.on_time * 100.0 / i.invoices_due, 2) END
            AS NUMERIC) AS on_time_ratio,
       CAST(COALESCE(i.overdue_count, 0) AS INTEGER) AS overdue_count,
       CAST(COALESCE(i.invoiced, 0) - COALESCE(p.paid, 0) AS NUMERIC) AS receivables,
       o.first_order_on AS first_order_on,
       l.main_category AS main_category
FROM {customers} c
LEFT JOIN (
    SELECT customer_id, SUM(amount) AS contract_amount, SUM(volume) AS volume,
           SUM(list_amount) AS list_amount, SUM(priced_amount) AS priced_amount,
           MAX(CASE WHEN position = 1 THEN category END) AS main_category
    FROM (
        SELECT customer_id, category, SUM(amount) AS amount,
               SUM(CASE WHEN unit = %s THEN quantity ELSE 0 END) AS volume,
               SUM(CASE WHEN list_price IS NOT NULL THEN list_price * quantity END)
                   AS list_amount,
               SUM(CASE WHEN list_price IS NOT NULL THEN amount END) AS priced_amount,
               ROW_NUMBER() OVER (PARTITION BY customer_id
                                  ORDER BY SUM(amount) DESC, category) AS position
        FROM {lines} WHERE signed_on BETWEEN %s AND %s {one}
        GROUP BY customer_id, category
    ) per_category
    GROUP BY customer_id
) l ON l.customer_id = c.id
LEFT JOIN (
    SELECT customer_id, MIN(signed_on) AS first_order_on,
           SUM(CASE WHEN signed_on >= %s THEN 1 ELSE 0 END) AS order_count
    FROM {orders} WHERE signed_on <= %s {one}
    GROUP BY customer_id
) o ON o.customer_id = c.id
LEFT JOIN (
    SELECT customer_id, SUM(amount) AS paid,
           SUM(CASE WHEN received_on >= %s THEN amount ELSE 0 END) AS collected_amount
    FROM {payments} WHERE received_on <= %s {one}
    GROUP BY customer_id
) p ON p.customer_id = c.id
LEFT JOIN (
    SELECT customer_id, SUM(amount) AS invoiced,
           SUM(CASE WHEN due_on BETWEEN %s AND %s THEN 1 ELSE 0 END) AS invoices_due,
           SUM(CASE WHEN due_on BETWEEN %s AND %s AND paid_on <= due_on
                    THEN 1 ELSE 0 END) AS on_time,
           SUM(CASE WHEN due_on BETWEEN %s AND %s
                     AND (paid_on > due_on OR (paid_on IS NULL AND due_on < %s))
                    THEN 1 ELSE 0 END) AS overdue_count
    FROM {invoices} WHERE issued_on <= %s {one}
    GROUP BY customer_id
) i ON i.customer_id = c.id
WHERE c.merged_into_id IS NULL {"AND c.id = %s" if customer_id is not None else ""}
      {"AND c.status <> %s" if without_status is not None else ""}
"""
    s, e = period.start, period.end
    one_param = [customer_id] if customer_id is not None else []
    params = [
        volume_unit, s, e, *one_param,  # l
        s, e, *one_param,  # o
        s, e, *one_param,  # p
        s, e, s, e, s, e, e, e, *one_param,  # i
        *one_param,  # c
        *([without_status] if without_status is not None else []),
    ]  # fmt: skip
    return sql, params


@dataclass(frozen=True)
class CustomerFigures:
    """One customer's figures for a period (see the module docstring for each)."""

    contract_amount: Decimal
    volume: Decimal
    price_premium: Decimal | None
    order_count: int
    collected_amount: Decimal
    invoices_due: int
    on_time_ratio: Decimal | None
    overdue_count: int
    receivables: Decimal
    first_order_on: date | None
    main_category: str | None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def customer_figures(customer_id: int, period: Period, *, volume_unit: str) -> CustomerFigures:
    """The figures of one customer, by the same SQL a review runs for all of them."""
    sql, params = metrics_sql(period, volume_unit=volume_unit, customer_id=customer_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Customer.DoesNotExist
    values = dict(zip(("customer_id", *METRIC_COLUMNS), row, strict=True))
    first = values["first_order_on"]
    if isinstance(first, str):  # SQLite returns dates from raw SQL as text
        first = date.fromisoformat(first)
    return CustomerFigures(
        contract_amount=_decimal(values["contract_amount"]) or Decimal(0),
        volume=Decimal(str(values["volume"])).quantize(Decimal("0.001")),
        price_premium=_decimal(values["price_premium"]),
        order_count=int(values["order_count"]),
        collected_amount=_decimal(values["collected_amount"]) or Decimal(0),
        invoices_due=int(values["invoices_due"]),
        on_time_ratio=_decimal(values["on_time_ratio"]),
        overdue_count=int(values["overdue_count"]),
        receivables=_decimal(values["receivables"]) or Decimal(0),
        first_order_on=first,
        main_category=values["main_category"],
    )
