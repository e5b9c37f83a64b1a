"""OWN-7 (s000 销售部 5): two customers want the same unit; the first recorded deposit
reserves it, the second is refused with the reason — also when both arrive at once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from zhike.ownership.errors import OwnershipError, PermissionDenied, Taken
from zhike.ownership.models import Reservation
from zhike.ownership.reservations import deposit_record

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import Company, build_company


def test_own_7_the_first_deposit_wins(company: Company) -> None:
    now = timezone.now()
    first = deposit_record(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        item="3栋1201",
        deposit="20000",
        now=now,
    )
    assert first.deposit == Decimal("20000.00")
    with pytest.raises(Taken, match="先交定金") as refused:
        deposit_record(
            by=company.users["bob"],
            customer_id=company.customers["B"].pk,
            item="3栋1201",
            deposit="50000",
            now=now,
        )
    assert refused.value.rule == "ownership.first_deposit"
    again = deposit_record(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        item="3栋1201",
        deposit="1000",
        now=now,
    )
    assert again.pk == first.pk  # the same customer's second deposit: the same reservation
    assert Reservation.objects.count() == 1


def test_own_7_bad_deposits_are_refused(company: Company) -> None:
    for item, amount, rule in [
        ("", "100", "item"),
        ("3栋", "0", "deposit"),
        ("3栋", "abc", "deposit"),
        ("3栋", "NaN", "deposit"),
    ]:
        with pytest.raises(OwnershipError) as refused:
            deposit_record(
                by=company.users["alice"],
                customer_id=company.customers["A"].pk,
                item=item,
                deposit=amount,
                now=timezone.now(),
            )
        assert refused.value.rule == rule
    with pytest.raises(PermissionDenied):
        deposit_record(
            by=company.users["fin"],
            customer_id=company.customers["A"].pk,
            item="3栋",
            deposit="100",
            now=timezone.now(),
        )
    assert not Reservation.objects.exists()


def test_own_7_through_the_api(company: Company) -> None:
    body = {"customer_id": company.customers["A"].pk, "item": "A-08", "deposit": "5000"}
    ok = company.api("alice").post(
        "/api/v1/ownership/deposits", body, content_type="application/json"
    )
    assert ok.status_code == 201 and ok.json()["item"] == "A-08"
    body["customer_id"] = company.customers["B"].pk
    late = company.api("bob").post(
        "/api/v1/ownership/deposits", body, content_type="application/json"
    )
    assert late.status_code == 409
    assert late.json()["errors"][0]["field"] == "ownership.first_deposit"


class DepositRaceTests(RealTransactionTestCase):
    def test_own_7_twenty_deposits_at_once_one_reservation(self) -> None:
        company = build_company()
        people = [("alice", "A"), ("bob", "B"), ("carol", "E")]
        refused: list[str] = []

        def pay(i: int) -> None:
            who, key = people[i % 3]
            try:
                deposit_record(
                    by=company.users[who],
                    customer_id=company.customers[key].pk,
                    item="5栋0801",
                    deposit="10000",
                    now=timezone.now(),
                )
            except Taken as exc:
                refused.append(exc.rule)

        errors = run_in_threads(20, pay)
        self.assertEqual(errors, [])
        self.assertEqual(Reservation.objects.filter(item="5栋0801").count(), 1)
        winner = Reservation.objects.get(item="5栋0801").customer_id
        losers = sum(1 for i in range(20) if company.customers[people[i % 3][1]].pk != winner)
        self.assertEqual(len(refused), losers)
