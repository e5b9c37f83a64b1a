"""OWN-4 and OWN-1 under concurrency: real transactions from threads, each with its own
connection, on SQLite and on PostgreSQL (issue 14, "Done when")."""

from datetime import timedelta

from django.utils import timezone

from zhike.archive.models import Customer, OwnershipChange
from zhike.ownership.errors import OwnershipError, Taken
from zhike.ownership.services import customer_claim
from zhike.ownership.sweep import sweep_lapses
from zhike.policy.loader import load_policy, parse_policy

from .base import RealTransactionTestCase
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
