"""Ownership for the demo: the registration history of the demo's customers, a branch
pool, customers given back and claimed, a transfer and a lock — through the services, so
the demo's history reads as a real one."""

import random
from datetime import datetime, timedelta

from zhike.archive.models import Customer, OwnershipChange, OwnershipKind
from zhike.db import insert_rows
from zhike.org.models import Department, User
from zhike.policy.schema import Policy

from .locks import customer_lock
from .models import Pool
from .pools import default_pool
from .services import customer_claim, customer_release, customers_assign

REASONS = ["客户已转行,不再采购", "多次联系无回应", "客户所在区域不属本人片区"]


def load_demo_ownership(
    rng: random.Random,
    *,
    users: dict[str, User],
    departments: dict[str, Department],
    policy: Policy,
    now: datetime,
) -> None:
    owned = Customer.objects.filter(owner__isnull=False).values_list("pk", "owner_id", "created_at")
    insert_rows(
        OwnershipChange,
        (
            {
                "customer_id": pk,
                "kind": OwnershipKind.REGISTERED.value,
                "to_user_id": owner,
                "by_id": owner,
                "at": at,
                "policy_version": policy.policy.version,
            }
            # Read first: on PostgreSQL the rows go by COPY on the same connection, and a
            # query streamed inside it waits for the COPY forever (`zhike demo` hung).
            for pk, owner, at in list(owned)
        ),
    )
    public = default_pool(policy.ownership)
    public.admins.add(users["mgr1"])
    east = Pool.objects.create(code="east", name="华东办事处公海")
    east.departments.add(departments["east"])
    east.admins.add(users["office1"])

    def of(username: str, count: int) -> list[int]:
        ids = list(
            Customer.objects.filter(owner=users[username], status__in=["potential", "intent"])
            .order_by("pk")
            .values_list("pk", flat=True)[: count * 3]
        )
        return rng.sample(ids, min(count, len(ids)))

    earlier = now - timedelta(days=3)
    given_back = of("sales1", 4)
    if len(given_back) < 2:  # a demo with (almost) no customers
        return
    for pk in given_back:
        customer_release(
            by=users["sales1"],
            customer_id=pk,
            reason=rng.choice(REASONS),
            policy=policy,
            now=earlier,
        )
    customer_claim(by=users["sales2"], customer_id=given_back[0], policy=policy, now=now)
    customers_assign(
        by=users["vp"],
        customer_ids=of("sales3", 2),
        to_user_id=users["sales2"].pk,
        reason="片区调整",
        policy=policy,
        now=now,
    )
    for pk in of("office1", 2):
        customer_release(
            by=users["office1"],
            customer_id=pk,
            reason="办事处客户重新分配",
            policy=policy,
            now=earlier,
        )
    for pk in of("sales1", 1):
        customer_lock(
            by=users["sales1"], customer_id=pk, reason="重点项目谈判中", policy=policy, now=now
        )
