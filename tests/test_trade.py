"""The trade ledger grades are computed from (GRD-2, GRD-5): contracts with lines,
invoices settled by payments oldest first, and the figures per customer and period."""

from datetime import date
from decimal import Decimal

import pytest

from zhike.archive.errors import Conflict, CustomerNotFound
from zhike.archive.models import CustomerStatus
from zhike.policy.loader import load_policy
from zhike.trade.errors import TradeError
from zhike.trade.metrics import Period, customer_figures
from zhike.trade.models import Invoice, Order, OrderLine
from zhike.trade.services import LineInput, invoice_create, order_create, payment_record

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("general")
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


def line(**kwargs: object) -> LineInput:
    values: dict = {
        "product": "大豆油",
        "category": "粮油",
        "quantity": Decimal(10),
        "unit": "吨",
        "price": Decimal(9000),
    }
    return LineInput(**(values | kwargs))


def test_grd_5_figures_from_the_ledger(company: Company) -> None:
    alice, fin = company.users["alice"], company.users["fin"]
    customer = company.customers["A"]
    # Two contracts in the year (one line priced 10 % over list, one in kilograms), one
    # the year before; invoices: one paid on time, one paid late, one still open.
    order_create(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        number="HT-1",
        signed_on=date(2026, 3, 1),
        lines=[
            line(list_price=Decimal("8181.82")),
            line(category="蔬菜", unit="千克", quantity=Decimal(500), price=Decimal(4)),
        ],
    )
    order_create(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        number="HT-2",
        signed_on=date(2026, 8, 1),
        lines=[line(quantity=Decimal(5))],
    )
    order_create(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        number="HT-0",
        signed_on=date(2025, 6, 1),
        lines=[line(quantity=Decimal(1))],
    )
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-1",
        issued_on=date(2026, 3, 5),
        amount=Decimal(92000),
        due_on=date(2026, 4, 4),
    )
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-2",
        issued_on=date(2026, 8, 5),
        amount=Decimal(45000),
        due_on=date(2026, 9, 4),
    )
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-3",
        issued_on=date(2026, 11, 5),
        amount=Decimal(10000),
        due_on=date(2026, 12, 5),
    )
    payment_record(
        by=fin, customer_id=customer.pk, received_on=date(2026, 4, 1), amount=Decimal(92000)
    )
    payment_record(
        by=fin, customer_id=customer.pk, received_on=date(2026, 9, 20), amount=Decimal(45000)
    )
    # Issued in the year but due after it: owed at year end, not yet due.
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-4",
        issued_on=date(2026, 12, 20),
        amount=Decimal(5000),
        due_on=date(2027, 1, 19),
    )
    figures = customer_figures(customer.pk, YEAR, volume_unit="吨")
    assert figures.contract_amount == Decimal(90000 + 2000 + 45000)
    assert figures.volume == Decimal(15)  # tons only: the 500 kg line is not volume
    assert figures.order_count == 2
    assert figures.first_order_on == date(2025, 6, 1)
    assert figures.collected_amount == Decimal(137000)
    assert figures.invoices_due == 3
    assert figures.on_time_ratio == Decimal("33.33")  # FP-1 of the three
    assert figures.overdue_count == 2  # FP-2 paid late, FP-3 open after its due date
    assert figures.receivables == Decimal(15000)
    assert figures.price_premium == Decimal("10.00")  # only the line with a list price
    assert figures.main_category == "粮油"


def test_grd_5_payments_settle_oldest_invoice_first(company: Company) -> None:
    fin, customer = company.users["fin"], company.customers["A"]
    first = invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="F1",
        issued_on=date(2026, 1, 1),
        amount=Decimal(100),
        payment_days=30,
    )
    second = invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="F2",
        issued_on=date(2026, 1, 10),
        amount=Decimal(100),
        payment_days=30,
    )
    payment_record(
        by=fin, customer_id=customer.pk, received_on=date(2026, 1, 20), amount=Decimal(150)
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.paid_amount, first.paid_on) == (Decimal(100), date(2026, 1, 20))
    assert (second.paid_amount, second.paid_on) == (Decimal(50), None)
    payment_record(
        by=fin, customer_id=customer.pk, received_on=date(2026, 3, 1), amount=Decimal(80)
    )
    second.refresh_from_db()
    assert second.paid_on == date(2026, 3, 1)  # settled after its due date: late
    # The 30 yuan paid in advance settles the next invoice as soon as it is issued.
    third = invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="F3",
        issued_on=date(2026, 4, 1),
        amount=Decimal(30),
        payment_days=30,
    )
    third.refresh_from_db()
    assert third.paid_on == date(2026, 4, 1)


def test_grd_8_blacklisted_customer_gets_no_new_order(company: Company) -> None:
    customer = company.customers["A"]
    customer.status = CustomerStatus.BLACKLISTED
    customer.save()
    with pytest.raises(TradeError, match="黑名单"):
        order_create(
            policy=POLICY,
            by=company.users["alice"],
            customer_id=customer.pk,
            number="HT-9",
            signed_on=date(2026, 3, 1),
            lines=[line()],
        )
    assert not Order.objects.exists()


def test_grd_5_bad_ledger_input_is_refused_whole(company: Company) -> None:
    alice, customer = company.users["alice"], company.customers["A"]
    with pytest.raises(TradeError, match="至少要有一行"):
        order_create(
            policy=POLICY,
            by=alice,
            customer_id=customer.pk,
            number="X",
            signed_on=date(2026, 1, 1),
            lines=[],
        )
    with pytest.raises(TradeError, match="第 2 行"):
        order_create(
            policy=POLICY,
            by=alice,
            customer_id=customer.pk,
            number="X",
            signed_on=date(2026, 1, 1),
            lines=[line(), line(quantity=Decimal(0))],
        )
    order_create(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        number="X",
        signed_on=date(2026, 1, 1),
        lines=[line()],
    )
    with pytest.raises(Conflict, match="已存在"):
        order_create(
            policy=POLICY,
            by=alice,
            customer_id=customer.pk,
            number="X",
            signed_on=date(2026, 1, 1),
            lines=[line()],
        )
    with pytest.raises(TradeError, match="应收日期"):
        invoice_create(
            policy=POLICY,
            by=company.users["fin"],
            customer_id=customer.pk,
            number="F",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 1, 1),
            amount=Decimal(1),
        )
    assert (Order.objects.count(), OrderLine.objects.count(), Invoice.objects.count()) == (1, 1, 0)


def test_org_2_ledger_entries_respect_the_data_scope(company: Company) -> None:
    # Bob may not book a contract on Alice's customer: the same error as a missing one.
    with pytest.raises(CustomerNotFound):
        order_create(
            policy=POLICY,
            by=company.users["bob"],
            customer_id=company.customers["A"].pk,
            number="Y",
            signed_on=date(2026, 1, 1),
            lines=[line()],
        )


also_in_a_real_transaction(
    globals(),
    test_grd_5_figures_from_the_ledger,
    test_grd_5_payments_settle_oldest_invoice_first,
)
