"""The demo's analytics: a lifecycle history for the funnel (each customer's moves to its
present status, spread over the past two years), monthly targets for the salespeople, and
the rollups built from the demo ledger."""

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from zhike.archive.models import Customer, CustomerStatus
from zhike.org.models import User

from .filters import add_months, month_start
from .models import SalesTarget, StatusChange
from .rebuild import rebuild

# The path a customer of each present status took (the first step is its registration).
PATHS: dict[str, list[str]] = {
    CustomerStatus.INTENT: ["potential", "intent"],
    CustomerStatus.DEAL: ["potential", "intent", "deal"],
    CustomerStatus.LOST: ["potential", "intent", "deal", "lost"],
    CustomerStatus.WIN_BACK: ["potential", "intent", "deal", "lost", "win_back"],
}


def load_demo_analytics(
    rng: random.Random, *, users: dict[str, User], setter: User, now: datetime
) -> None:
    changes = []
    for pk, status, created in Customer.objects.filter(merged_into__isnull=True).values_list(
        "pk", "status", "created_at"
    ):
        path = PATHS.get(status)
        if not path:
            continue
        if status == CustomerStatus.DEAL and rng.random() < 0.3:
            path = ["potential", "deal"]  # signed at the first visit
        start = min(created, now - timedelta(days=rng.randint(60, 700)))
        moment = start
        for old, new in itertools.pairwise(path):
            moment = min(now, moment + timedelta(days=rng.randint(3, 90), hours=rng.randint(0, 8)))
            changes.append(StatusChange(customer_id=pk, old=old, new=new, at=moment))
    StatusChange.objects.bulk_create(changes, batch_size=2000)
    this_month = month_start(timezone.localdate(now))
    targets = []
    for username in ("sales1", "sales2", "sales3"):
        base = Decimal(rng.randint(30, 80) * 10_000)
        for back in range(12):
            month = add_months(this_month, -back)
            amount = (base * Decimal(rng.uniform(0.8, 1.3))).quantize(Decimal("1000"))
            targets.append(
                SalesTarget(owner=users[username], month=month, amount=amount, set_by=setter)
            )
    SalesTarget.objects.bulk_create(targets)
    rebuild(now=now)
