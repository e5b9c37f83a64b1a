"""Fake follow-ups for demos and benchmarks (``zhike seed``), a batch at a time."""

import random
from collections.abc import Callable

from zhike.archive.models import Customer
from zhike.org.models import User

from .models import FollowUp

NOTES = [
    "电话回访,了解近期采购需求",
    "微信沟通报价细节,客户下周答复",
    "上门拜访,介绍新品并留下样册",
]


def follow_ups_for(
    *, per_customer: float, owners: list[User]
) -> Callable[[list[Customer], random.Random], None]:
    """A seeding step: about ``per_customer`` done follow-ups for each new customer, by its
    owner, at its ``last_contact_at``."""

    def add(customers: list[Customer], rng: random.Random) -> None:
        rows = [
            FollowUp(
                customer=customer,
                kind=rng.choice(["call", "visit", "wechat", "meeting"]),
                content=rng.choice(NOTES),
                by_id=customer.owner_id or owners[0].pk,
                occurred_at=customer.last_contact_at,
            )
            for customer in customers
            if customer.last_contact_at is not None and rng.random() < per_customer
        ]
        FollowUp.objects.bulk_create(rows, batch_size=5000)

    return add
