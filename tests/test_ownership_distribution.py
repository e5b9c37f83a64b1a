"""Issue 14 item 6: a pool's customers distributed in turn among its members, by what
each may still take, skipping the absent (ORG-3)."""

from datetime import timedelta

from django.utils import timezone

from zhike.archive.models import Customer
from zhike.ownership.distribution import plan_shares, pool_distribute
from zhike.policy.loader import parse_policy
from zhike.workflow.models import Delegation

from .conftest import Company
from .factories import CustomerFactory, UserFactory

CAPPED = parse_policy(
    '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\n'
    'extends = "real-estate"\n[ownership]\nmax_owned = 3\n',
    "test",
)


def test_own_8_distribution_shares_follow_remaining_capacity() -> None:
    assert plan_shares({1: None, 2: None}, 5) == [1, 2, 1, 2, 1]
    assert plan_shares({1: 1, 2: 3, 3: 0}, 5) == [1, 2, 2, 2]  # room for 4 only
    assert plan_shares({}, 3) == []


def test_own_8_distribute_in_turn_skipping_the_absent(company: Company) -> None:
    from zhike.ownership.models import Pool

    pool = Pool.objects.create(code="sales1", name="销售一部公海")
    pool.departments.add(company.departments["sales1"])
    sales1 = company.departments["sales1"]
    dave = UserFactory(username="dave", department=sales1, roles=("salesperson",))
    erin = UserFactory(username="erin", department=sales1, roles=("salesperson",))
    now = timezone.now()
    Delegation.objects.create(
        absent=erin,
        delegate=dave,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        reason="休假",
    )
    from zhike.ownership.models import PoolEntry

    for i in range(6):
        customer = CustomerFactory(owner=None, department=sales1, name=f"待分配{i}")
        PoolEntry.objects.create(
            customer=customer, pool=pool, since=now - timedelta(days=i), claimable_from=now
        )
    # alice owns A already: with max_owned 3 she has room for 2; dave for 3; erin is away;
    # sup (a supervisor in sales1) also serves customers: room for 3.
    shares = pool_distribute(
        by=company.users["sup"],
        pool_code="sales1",
        count=6,
        reason="月初分配",
        policy=CAPPED,
        now=now,
    )
    users = company.users
    assert erin.pk not in shares
    assert sum(shares.values()) == 6
    assert shares[users["alice"].pk] <= 2
    assert Customer.objects.filter(owner=users["alice"]).count() <= 3
    assert not PoolEntry.objects.filter(pool=pool).exists()


def test_own_8_distribution_through_the_api(company: Company) -> None:
    for i in range(4):
        CustomerFactory(owner=None, department=None, name=f"公海{i}")
    body = {"pool": "public", "count": 5, "reason": "轮流分配"}
    done = company.api("sup").post(
        "/api/v1/ownership/distributions", body, content_type="application/json"
    )
    assert done.status_code == 201, done.json()
    shares = {s["user_id"]: s["count"] for s in done.json()}
    assert sum(shares.values()) == 5
    assert set(shares) <= {company.users["alice"].pk, company.users["sup"].pk}  # sup's scope
    assert (
        company.api("alice")
        .post("/api/v1/ownership/distributions", body, content_type="application/json")
        .status_code
        == 403
    )
    body["pool"] = "nowhere"
    assert (
        company.api("sup")
        .post("/api/v1/ownership/distributions", body, content_type="application/json")
        .status_code
        == 404
    )
