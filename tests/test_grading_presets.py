"""POL-2: each preset runs a whole review on generated data; its outcome keeps the preset's
rules (quotas, grade bands, GRD-3) and one hand-checked customer lands where the seed says."""

import math
import random
from datetime import date, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.grading.models import Assessment, Review, ReviewLine
from zhike.grading.reviews import review_compute, review_start
from zhike.policy.loader import load_policy
from zhike.trade.seeding import seed_ledger

from .conftest import Company
from .factories import CustomerFactory, trade

TODAY = date(2026, 6, 30)

# preset → (a customer's ledger, the level it must get on the preset's main axis)
EXPECTED = {
    # s003-8: ≥ 3 M sales (50) at list price (20), all paid on time (30) → a级 (≥ 80).
    "auto-dealer": ("grade", dict(amount=3_500_000, list_price=3_500_000), "A"),
    # s004: 6 M on time (40), nothing owed (30), 20 % premium (15), no rating → 85 → A.
    "manufacturer": ("grade", dict(amount=6_000_000, list_price=5_000_000), "A"),
    # general value tiers: ≥ 1 M → 核心客户.
    "general": ("tier", dict(amount=1_200_000), "core"),
    "real-estate": ("tier", dict(amount=1_200_000), "core"),
    # s000 VIP: ≥ 1000 t and ≥ 1 M yuan, no late payment, long lease attested.
    "wholesale-market": ("tier", dict(amount=1_500_000, quantity=1500), "vip"),
}


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_pol_2_preset_scenario(company: Company, preset: str) -> None:
    policy = load_policy(preset)
    rules = policy.grading
    # 120 generated customers with two years of trade, plus the hand-checked one.
    owners = [company.users[p] for p in ("alice", "bob", "carol")]
    generated = [CustomerFactory(owner=owners[i % 3], size="small") for i in range(120)]
    seed_ledger(random.Random(preset), [c.pk for c in generated], today=TODAY)
    axis, ledger, expected = EXPECTED[preset]
    star = CustomerFactory(owner=company.users["alice"], size="small")
    trade(star, on=TODAY - timedelta(days=500), amount=1000)
    trade(star, on=TODAY - timedelta(days=90), **ledger)
    if preset == "wholesale-market":
        Assessment.objects.create(
            customer=star, key="long_lease", value="yes", by=company.users["mgr"], at=timezone.now()
        )
    review = review_start(
        by=company.users["mgr"], policy=policy, period_end=TODAY, now=timezone.now()
    )
    assert review_compute(review_id=review.pk, now=timezone.now())
    review.refresh_from_db()
    lines = ReviewLine.objects.filter(review=review)
    # Every live customer is in the review, once.
    assert lines.count() == Customer.objects.count() == review.summary["customers"]
    # The hand-checked customer lands where the seed says.
    assert getattr(lines.get(customer=star), axis) == expected
    population = lines.count()
    if rules.score:
        keys = {g.key for g in rules.score.grades}
        assert set(lines.values_list("grade", flat=True)) <= keys
        # GRD-3: whoever has a note is at the lowest grade.
        assert set(lines.exclude(grade_note="").values_list("grade", flat=True)) <= {
            rules.score.lowest.key
        }
    if rules.tier:
        for level in rules.tier.levels:
            quota = level.quota
            held = lines.filter(tier=level.key)
            if quota and quota.share_of_all:
                assert held.count() <= math.floor(quota.share_of_all * population)
            if quota and quota.share_of_category:
                sizes = dict(lines.values_list("main_category").annotate(n=Count("id")))
                for category, n in held.values_list("main_category").annotate(n=Count("id")):
                    if category is not None:
                        assert n <= math.floor(quota.share_of_category * sizes[category])
    assert review.state == Review.State.PROPOSED
