"""Concurrent writes through services, outside any wrapping test transaction."""

import itertools

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
