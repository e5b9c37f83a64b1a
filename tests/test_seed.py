"""``zhike seed``: realistic customers in bulk, searchable like hand-made ones."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhike.archive.models import Customer
from zhike.engagement.models import FollowUp

from .conftest import Company


def test_seed_makes_searchable_customers_spread_over_salespeople(company: Company) -> None:
    before = Customer.objects.count()
    call_command("seed", customers=300, interactions=1.0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    seeded = Customer.objects.exclude(code__startswith="T")
    assert Customer.objects.count() == before + 300 == before + seeded.count()
    owners = set(seeded.values_list("owner__username", flat=True))
    assert {"alice", "bob", "carol"} <= owners
    assert FollowUp.objects.count() == 300  # one follow-up each at --interactions 1
    sample = seeded.filter(customer_type="enterprise").first()
    assert sample is not None
    response = company.api("gm").get("/api/v1/customers", {"q": sample.code})
    assert [c["id"] for c in response.json()["items"]] == [sample.pk]
    assert len(set(seeded.values_list("code", flat=True))) == 300


def test_seed_needs_salespeople(db: None) -> None:
    with pytest.raises(CommandError, match="没有业务员"):
        call_command("seed", customers=10)
