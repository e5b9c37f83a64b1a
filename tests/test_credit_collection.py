"""CRD-4: collection as deadlines — the owner before the due day, the collection role once
overdue, closed when settled; the daily job is idempotent (s004; issue 16)."""

from datetime import date
from decimal import Decimal

from zhike.credit.collection import IN_TERM, OVERDUE, open_collection
from zhike.policy.loader import load_policy
from zhike.trade.services import invoice_create, payment_record
from zhike.workflow.models import Deadline

from .conftest import Company

POLICY = load_policy("auto-dealer")
TODAY = date(2026, 11, 20)


def test_crd_4_collection_goes_to_the_owner_then_to_the_collection_role(company: Company) -> None:
    customer = company.customers["A"]
    fin = company.users["fin"]
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-SOON",
        issued_on=date(2026, 10, 25),
        amount=Decimal(1000),
        due_on=date(2026, 11, 25),
    )
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-LATE",
        issued_on=date(2026, 9, 1),
        amount=Decimal(2000),
        due_on=date(2026, 10, 1),
    )
    invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-FAR",
        issued_on=date(2026, 11, 1),
        amount=Decimal(3000),
        due_on=date(2026, 12, 31),
    )

    assert open_collection(policy=POLICY, today=TODAY) == 2
    assert open_collection(policy=POLICY, today=TODAY) == 0  # idempotent
    soon = Deadline.objects.get(rule=IN_TERM)
    assert soon.assignee == company.users["alice"] and "FP-SOON" in soon.display_title
    late = Deadline.objects.get(rule=OVERDUE)
    assert late.assignee == company.users["mgr"] and "FP-LATE" in late.display_title

    payment_record(
        by=fin, customer_id=customer.pk, received_on=TODAY, amount=Decimal(2000)
    )  # FIFO: FP-LATE
    open_collection(policy=POLICY, today=TODAY)
    late.refresh_from_db()
    assert late.state == "done"
    assert Deadline.objects.get(rule=IN_TERM).state == "open"


def test_crd_4_no_collection_deadlines_without_credit_in_the_policy(company: Company) -> None:
    invoice_create(
        policy=POLICY,
        by=company.users["fin"],
        customer_id=company.customers["A"].pk,
        number="FP-1",
        issued_on=date(2026, 9, 1),
        amount=Decimal(10),
        due_on=date(2026, 10, 1),
    )
    assert open_collection(policy=load_policy("general"), today=TODAY) == 0
