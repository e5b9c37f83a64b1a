"""CRD-3 under concurrency: shipments checked at the same moment against the same headroom
are decided one after the other (the customer's row lock) — never all within the limit
(issue 16, "Bad input and faults"). Real transactions from threads, SQLite and PostgreSQL."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from zhike.credit import services
from zhike.credit.errors import CreditError
from zhike.credit.models import Shipment
from zhike.policy.loader import load_policy
from zhike.trade.services import LineInput, invoice_create, order_create, payment_record

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import build_company

POLICY = load_policy("auto-dealer")
SHIP_ON = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SHIPPERS = 20


class ShipmentRaceTests(RealTransactionTestCase):
    def test_crd_3_twenty_shipments_at_once_never_all_pass_the_headroom(self) -> None:
        company = build_company()
        customer = company.customers["A"]
        customer.address, customer.uscc = "北京市海淀区", "91110108MA01AAAA0X"
        customer.save(update_fields=["address", "uscc"])
        order_create(
            by=company.users["alice"],
            customer_id=customer.pk,
            number="HT-1",
            signed_on=date(2026, 10, 1),
            policy=POLICY,
            lines=[LineInput("轿车", "整车", Decimal(1), "台", Decimal("100000"))],
        )
        invoice_create(
            policy=POLICY,
            by=company.users["fin"],
            customer_id=customer.pk,
            number="FP-1",
            issued_on=date(2026, 11, 1),
            amount=Decimal("30000"),
            payment_days=30,
        )
        payment_record(
            by=company.users["fin"],
            customer_id=customer.pk,
            received_on=SHIP_ON,
            amount=Decimal("30000"),
        )
        refused: list[str] = []

        def shipment(i: int) -> None:
            try:
                services.shipment_create(
                    by=company.users["alice"],
                    customer_id=customer.pk,
                    number=f"FH-{i}",
                    amount=Decimal("2000"),
                    shipped_on=SHIP_ON,
                    policy=POLICY,
                    now=NOW,
                )
            except CreditError as exc:
                refused.append(str(exc.field))

        self.assertEqual(run_in_threads(SHIPPERS, shipment), [])
        outcomes = sorted(Shipment.objects.values_list("outcome", flat=True))
        # 30,000 of headroom holds 15 of 2,000; then the month's first over-limit one waits
        # for its signature; each later one would be the last, which needs a liable person
        # (none given): refused, and nothing saved for it.
        self.assertEqual(outcomes, ["first_over"] + ["within"] * 15)
        self.assertEqual(refused, ["liable_id"] * 4)
