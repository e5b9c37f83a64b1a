"""OWN-4 and OWN-1 under concurrency: real transactions from threads, each with its own
connection, on SQLite and on PostgreSQL (issue 14, "Done when")."""

import threading
import time
import unittest
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from zhike.archive import tallies
from zhike.archive.models import Customer, CustomerTally, OwnershipChange
from zhike.ownership.errors import OwnershipError, Taken
from zhike.ownership.pools import default_pool
from zhike.ownership.services import customer_claim
from zhike.ownership.sweep import sweep_lapses
from zhike.policy.loader import load_policy, parse_policy

from .base import ON_POSTGRESQL, RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import build_company
from .factories import CustomerFactory, UserFactory

REAL_ESTATE = load_policy("real-estate")
CAPPED = parse_policy(
    '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\n'
    'extends = "real-estate"\n[ownership]\nclaims_per_day = 5\n',
    "test",
)
CLAIMANTS = 20


class ClaimRaceTests(RealTransactionTestCase):
    def test_own_4_twenty_parallel_claims_one_winner(self) -> None:
        company = build_company()
        sales = company.departments["sales1"]
        people = [
            UserFactory(username=f"s{i}", department=sales, roles=("salesperson",))
            for i in range(CLAIMANTS)
        ]
        customer = company.customers["P"]
        winners: list[int] = []
        refusals: list[str] = []

        def claim(i: int) -> None:
            try:
                done = customer_claim(
                    by=people[i], customer_id=customer.pk, policy=REAL_ESTATE, now=timezone.now()
                )
                winners.append(done.owner.pk)
            except Taken as exc:
                refusals.append(exc.message)

        errors = run_in_threads(CLAIMANTS, claim)

        self.assertEqual(errors, [])
        self.assertEqual(len(winners), 1)
        self.assertEqual(refusals, ["该客户已被领取"] * (CLAIMANTS - 1))
        customer.refresh_from_db()
        self.assertEqual(customer.owner_id, winners[0])
        self.assertEqual(
            OwnershipChange.objects.filter(customer=customer, kind="claimed").count(), 1
        )

    def test_own_4_twenty_claims_by_one_person_with_a_cap_of_five(self) -> None:
        company = build_company()
        alice = company.users["alice"]
        pool = [CustomerFactory(owner=None, department=None) for _ in range(CLAIMANTS)]
        refused: list[str] = []

        def claim(i: int) -> None:
            try:
                customer_claim(by=alice, customer_id=pool[i].pk, policy=CAPPED, now=timezone.now())
            except OwnershipError as exc:
                refused.append(exc.rule)

        errors = run_in_threads(CLAIMANTS, claim)

        self.assertEqual(errors, [])
        taken = Customer.objects.filter(pk__in=[c.pk for c in pool], owner=alice).count()
        self.assertEqual(taken, 5)
        self.assertEqual(refused, ["ownership.claims_per_day"] * (CLAIMANTS - 5))
        self.assertEqual(OwnershipChange.objects.filter(kind="claimed", to_user=alice).count(), 5)


class SweepRaceTests(RealTransactionTestCase):
    def test_own_1_two_sweeps_at_once_release_each_customer_once(self) -> None:
        company = build_company()
        now = timezone.now()
        owners = [company.users["alice"], company.users["bob"], company.users["carol"]]
        lapsing = [
            CustomerFactory(
                owner=owners[i % 3],
                owned_since=now - timedelta(days=60),
                last_contact_at=now - timedelta(days=8 + i % 20),
            )
            for i in range(120)
        ]

        def sweep(_i: int) -> None:
            sweep_lapses(policy=REAL_ESTATE, now=now)

        errors = run_in_threads(2, sweep)

        self.assertEqual(errors, [])
        ids = [c.pk for c in lapsing]
        self.assertEqual(Customer.objects.filter(pk__in=ids, owner__isnull=True).count(), 120)
        self.assertEqual(
            OwnershipChange.objects.filter(customer_id__in=ids, kind="lapsed").count(), 120
        )


class ReferralRaceTests(RealTransactionTestCase):
    def test_own_6_twenty_registrations_of_one_referral_at_once_make_one(self) -> None:
        from zhike.ownership.errors import Conflict
        from zhike.ownership.models import Referral
        from zhike.ownership.referrals import referral_register

        company = build_company()
        referrers = [
            CustomerFactory(name=f"老客户{i}", owner=company.users["alice"])
            for i in range(CLAIMANTS)
        ]
        referred = company.customers["A"]
        refused: list[str] = []

        def register(i: int) -> None:
            try:
                referral_register(
                    by=company.users["alice"],
                    referrer_id=referrers[i].pk,
                    referred_id=referred.pk,
                    in_person=True,
                    now=timezone.now(),
                )
            except Conflict as exc:
                refused.append(exc.message)

        self.assertEqual(run_in_threads(CLAIMANTS, register), [])
        self.assertEqual(Referral.objects.filter(referred=referred).count(), 1)
        self.assertEqual(refused, ["该客户已登记过介绍人"] * (CLAIMANTS - 1))


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@unittest.skipUnless(ON_POSTGRESQL, "row locks and backend slots are PostgreSQL's")
class ParallelPoolClaimTests(RealTransactionTestCase):
    def test_own_4_claims_from_one_pool_do_not_wait_for_each_others_commit(self) -> None:
        """Every claim counts its pool's tally down. With one row per pool, a second
        claimant waited on the first one's row lock until that one committed (8 parallel
        claimants: p50 57 ms, p99 116 ms at 1M; bench/ownership_sweep.py)."""
        company = build_company()
        bob, carol = company.users["bob"], company.users["carol"]
        first, second = (CustomerFactory(owner=None, department=None) for _ in range(2))
        default_pool(REAL_ESTATE.ownership)  # made on first use; both claims then read it
        first_claimed, second_done = threading.Event(), threading.Event()
        slot_of_first: list[int] = []
        waited: list[float] = []

        def claim(i: int) -> None:
            if i == 0:  # claims, then keeps its transaction open until the other is done
                with transaction.atomic():
                    slot_of_first.append(_backend_pid() % tallies.SLOTS)
                    customer_claim(
                        by=bob, customer_id=first.pk, policy=REAL_ESTATE, now=timezone.now()
                    )
                    first_claimed.set()
                    second_done.wait(timeout=30)
                return
            first_claimed.wait(timeout=30)
            while _backend_pid() % tallies.SLOTS == slot_of_first[0]:
                connection.close()  # another backend, in another slot (slots can collide)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            start = time.perf_counter()
            try:
                customer_claim(
                    by=carol, customer_id=second.pk, policy=REAL_ESTATE, now=timezone.now()
                )
            finally:
                waited.append(time.perf_counter() - start)
                second_done.set()

        self.assertEqual(run_in_threads(2, claim), [])
        self.assertLess(waited[0], 1.0)
        self.assertEqual(
            dict(Customer.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "owner")),
            {first.pk: bob.pk, second.pk: carol.pk},
        )
        # The slots add up to the pairs' counts.
        for owner in (bob, carol):
            total = CustomerTally.objects.filter(owner_key=owner.pk).aggregate(n=Sum("live"))
            self.assertEqual(total["n"], Customer.objects.filter(owner=owner).count())
