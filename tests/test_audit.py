"""Audit events: written with the change, append-only (ORM and raw SQL)."""

import pytest
from django.db import DatabaseError, connection, transaction

from zhike.archive.services import customer_update
from zhike.audit.models import AppendOnlyError, Event
from zhike.audit.services import events_for
from zhike.errors import RuleError
from zhike.policy.loader import load_policy as _load_policy

from .conftest import Company

POLICY = _load_policy("general")


def test_audit_update_writes_one_event_with_old_and_new(company: Company) -> None:
    customer = company.customers["A"]
    old_name = customer.name
    customer_update(
        policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"name": "新名称"}
    )
    (event,) = events_for(customer)
    assert event.actor == company.users["alice"]
    assert event.action == "customer.updated"
    assert event.details == {"changes": {"name": [old_name, "新名称"]}}


def test_audit_no_event_when_nothing_changed(company: Company) -> None:
    customer = company.customers["A"]
    customer_update(
        policy=POLICY,
        by=company.users["alice"],
        customer_id=customer.pk,
        data={"name": customer.name},
    )
    assert not events_for(customer).exists()


def test_audit_event_rolls_back_with_the_change(company: Company) -> None:
    customer = company.customers["A"]
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_update(
            policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"name": "X"}
        )
        raise RuntimeError("later step failed")
    customer.refresh_from_db()
    assert customer.name != "X"
    assert not events_for(customer).exists()


def test_audit_refused_update_leaves_no_event(company: Company) -> None:
    customer = company.customers["A"]
    with pytest.raises(RuleError):
        customer_update(
            policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"owner": 1}
        )
    assert not events_for(customer).exists()


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(company: Company) -> None:
    customer = company.customers["A"]
    customer_update(
        policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"name": "改"}
    )
    event = Event.objects.get()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.update(action="forged")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.get().action == "customer.updated"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'forged'",
        "DELETE FROM audit_event",
    ],
)
def test_audit_events_refused_by_the_database_for_raw_sql(company: Company, sql: str) -> None:
    customer = company.customers["A"]
    customer_update(
        policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"name": "改"}
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert Event.objects.get().action == "customer.updated"
