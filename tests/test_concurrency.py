"""Concurrent writes through services, outside any wrapping test transaction."""

import itertools
from datetime import date

from django.db import transaction

from zhike.archive.coding import reserve_customer_codes
from zhike.archive.models import CodeSequence
from zhike.archive.services import customer_create, customer_update
from zhike.audit.models import Event
from zhike.policy.loader import load_policy
from zhike.policy.loader import load_policy as _load_policy

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import build_company

POLICY = _load_policy("general")

WRITERS = 20


class ConcurrentUpdateTests(RealTransactionTestCase):
    def test_org_20_concurrent_updates_are_serialised_with_one_event_each(self) -> None:
        company = build_company()
        customer = company.customers["A"]
        alice = company.users["alice"]

        errors = run_in_threads(
            WRITERS,
            lambda i: customer_update(
                policy=POLICY,
                by=alice,
                customer_id=customer.pk,
                data={"name": f"并发客户{i}", "phone": f"1390000{i:04d}"},
            ),
        )

        self.assertEqual(errors, [])
        customer.refresh_from_db()
        events = list(
            Event.objects.filter(action="customer.updated", object_id=customer.pk).order_by("id")
        )
        self.assertEqual(len(events), WRITERS)
        self.assertEqual(customer.version, 1 + WRITERS)
        # Each event saw the state the previous one left: old values chain to the last new one.
        for before, after in itertools.pairwise(events):
            self.assertEqual(
                after.details["changes"]["name"][0], before.details["changes"]["name"][1]
            )
        self.assertEqual(customer.name, events[-1].details["changes"]["name"][1])
        self.assertEqual(customer.phone, events[-1].details["changes"]["phone"][1])

    def test_arc_2_concurrent_creates_get_distinct_codes(self) -> None:
        company = build_company()
        policy = load_policy("general")
        codes: list[str] = []

        errors = run_in_threads(
            10,
            lambda i: codes.append(
                customer_create(
                    by=company.users["alice"], data={"name": f"新客户{i}"}, policy=policy
                ).code
            ),
        )

        self.assertEqual(errors, [])
        self.assertEqual(len(set(codes)), 10)
        self.assertEqual(Event.objects.filter(action="customer.created").count(), 10)

    def test_arc_2_twenty_parallel_reservations_of_a_new_sequence_issue_each_number_once(
        self,
    ) -> None:
        # The sequence's row does not exist yet: all 20 race to make it (the upsert), and
        # then to move it on under its row lock.
        rule = load_policy("general").archive.coding
        today = date(2031, 5, 6)  # a year no other test reserves in
        batches: list[list[str]] = []

        def reserve(_i: int) -> None:
            with transaction.atomic():
                batches.append(reserve_customer_codes(rule, today=today, count=50))

        errors = run_in_threads(WRITERS, reserve)

        self.assertEqual(errors, [])
        codes = [code for batch in batches for code in batch]
        self.assertEqual(len(set(codes)), WRITERS * 50)
        numbers = sorted(int(code[-rule.sequence_digits :]) for code in codes)
        self.assertEqual(numbers, list(range(1, WRITERS * 50 + 1)))  # no gap, no repeat
        for batch in batches:  # each reservation is one unbroken run of numbers
            run = [int(code[-rule.sequence_digits :]) for code in batch]
            self.assertEqual(run, list(range(run[0], run[0] + 50)))
        self.assertEqual(CodeSequence.objects.filter(key__endswith=":2031").count(), 1)


class ParallelCheckThenCreateTests(RealTransactionTestCase):
    """Issue 13 item 11: each check-then-create is closed by a constraint, and the losers
    of a race get 409 in the error shape, not 500."""

    def _post_in_parallel(self, persona: str, path: str, bodies: list[dict]) -> list[int]:
        from django.test import Client

        from .factories import token_for

        company = self.company
        token = token_for(company.users[persona])
        statuses: list[int] = []

        def post(i: int) -> None:
            client = Client(headers={"Authorization": f"Bearer {token}"})
            response = client.post(path, bodies[i], content_type="application/json")
            if response.status_code == 409:
                assert response.json()["code"] == "conflict"
            statuses.append(response.status_code)

        errors = run_in_threads(len(bodies), post)
        self.assertEqual(errors, [])
        return sorted(statuses)

    def setUp(self) -> None:
        self.company = build_company()

    def test_grd_8_twenty_parallel_blacklist_proposals_one_entry(self) -> None:
        from zhike.grading.models import BlacklistEntry

        customer = self.company.customers["A"]
        body = {"customer_id": customer.pk, "reason": "拖欠货款"}
        statuses = self._post_in_parallel("alice", "/api/v1/grading/blacklist", [body] * WRITERS)
        self.assertEqual(statuses, [201] + [409] * (WRITERS - 1))
        self.assertEqual(BlacklistEntry.objects.filter(customer=customer).count(), 1)

    def test_arc_7_twenty_parallel_creates_with_one_uscc_one_customer(self) -> None:
        from zhike.archive.models import Customer

        bodies = [{"name": f"同码公司{i}", "uscc": "91110108551385082Q"} for i in range(WRITERS)]
        statuses = self._post_in_parallel("alice", "/api/v1/customers", bodies)
        # The check names the holder (400); a create that passed it loses at the index (409).
        self.assertEqual(statuses[0], 201)
        self.assertLessEqual(set(statuses[1:]), {400, 409})
        self.assertEqual(Customer.objects.filter(uscc="91110108551385082Q").count(), 1)

    def test_grd_6_twenty_parallel_review_starts_one_open_review(self) -> None:
        from zhike.grading.models import Review

        body = {"period_end": "2026-06-30"}
        statuses = self._post_in_parallel("mgr", "/api/v1/grading/reviews", [body] * WRITERS)
        self.assertEqual(statuses, [201] + [409] * (WRITERS - 1))
        self.assertEqual(Review.objects.count(), 1)
