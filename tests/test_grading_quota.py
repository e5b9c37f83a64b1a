"""GRD-4, GRD-5: tier criteria over ledger data and attestations; quotas with the
left-out listed — the s000 wholesale market's VIP / 优选 / 合格."""

from datetime import date

import pytest
from django.utils import timezone

from zhike.grading.models import Assessment, Review, ReviewLine
from zhike.grading.reviews import review_compute, review_start
from zhike.policy.loader import load_policy

from .conftest import Company
from .factories import CustomerFactory, trade

END = date(2026, 6, 30)
SIGNED = date(2026, 3, 1)


@pytest.fixture(scope="module")
def wholesale():  # type: ignore[no-untyped-def]
    return load_policy("wholesale-market")


def vip_candidate(company: Company, *, amount: int, category: str = "粮油", **extra):  # type: ignore[no-untyped-def]
    """A trader meeting every s000 VIP criterion: ≥ 1000 t and ≥ 1 M yuan a year, no late
    payment, a long lease attested."""
    customer = CustomerFactory(owner=company.users["alice"], **extra)
    trade(customer, on=SIGNED, amount=amount, quantity=1200, category=category)
    attest(company, customer, "long_lease")
    return customer


def attest(company: Company, customer, key: str) -> None:  # type: ignore[no-untyped-def]
    Assessment.objects.create(
        customer=customer, key=key, value="yes", by=company.users["mgr"], at=timezone.now()
    )


def small_trader(company: Company, *, category: str = "粮油"):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(owner=company.users["bob"])
    trade(customer, on=SIGNED, amount=50_000, quantity=20, category=category)
    return customer


def run(company: Company, policy) -> Review:  # type: ignore[no-untyped-def]
    review = review_start(
        by=company.users["mgr"], policy=policy, period_end=END, now=timezone.now()
    )
    assert review_compute(review_id=review.pk, now=timezone.now())
    review.refresh_from_db()
    assert review.state == Review.State.PROPOSED
    return review


def test_grd_4_vip_quota_25_percent_of_all(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    # Given 100 customers (4 from conftest, 96 here) of whom 31 meet every VIP criterion,
    # spread over four categories of about 24 traders (7 places each at 30 %), so that
    # only the overall quota binds.
    candidates = [
        vip_candidate(company, amount=1_000_000 + i * 10_000, category=f"品种{i % 4}")
        for i in range(31)
    ]
    for i in range(65):
        small_trader(company, category=f"品种{i % 4}")
    # When the review runs
    review = run(company, wholesale)
    # Then exactly 25 become VIP: the 25 largest by wholesale amount.
    lines = ReviewLine.objects.filter(review=review)
    assert review.summary["customers"] == 100
    vips = set(lines.filter(tier="vip").values_list("customer_id", flat=True))
    by_amount = list(reversed(candidates))  # largest amount first
    assert vips == {c.pk for c in by_amount[:25]}
    # and the 6 left out are listed with the reason: the overall quota, ranks 26–31.
    left_out = lines.filter(tier_missed="vip").order_by("tier_rank")
    assert [line.customer_id for line in left_out] == [c.pk for c in by_amount[25:]]
    assert [line.tier_rank for line in left_out] == [26, 27, 28, 29, 30, 31]
    assert {line.tier_missed_quota for line in left_out} == {"all"}
    report = review.summary["tier"][0]
    assert (report["candidates"], report["accepted"], report["cap_all"]) == (31, 25, 25)
    assert report["missed_all"] == 6
    # They fall to the next level they meet: without the 优选 attestations, 合格.
    assert set(left_out.values_list("tier", flat=True)) == {"qualified"}


def test_grd_4_vip_quota_30_percent_per_category(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    # Given a category with 10 traders, all meeting the VIP criteria, among 40 customers
    traders = [
        vip_candidate(company, amount=2_000_000 - i * 1_000, category="蔬菜") for i in range(10)
    ]
    for _ in range(26):
        small_trader(company, category="水果")
    review = run(company, wholesale)
    lines = ReviewLine.objects.filter(review=review)
    # Then at most 3 of them are VIP (30 % of 10): the three largest,
    vips = set(lines.filter(tier="vip").values_list("customer_id", flat=True))
    assert vips == {t.pk for t in traders[:3]}
    # and the other 7 are listed as left out by the category quota, not the overall one
    # (25 % of 40 = 10 places overall would have taken them all).
    missed = lines.filter(tier_missed="vip")
    assert missed.count() == 7
    assert set(missed.values_list("tier_missed_quota", flat=True)) == {"category"}
    category = review.summary["tier"][0]["categories"]["蔬菜"]
    assert category == {"customers": 10, "cap": 3, "taken": 3}


def test_grd_5_criteria_over_data_and_attestations(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    # A big trader without the lease attestation, one with a late payment, one below
    # 1000 t but a medium-sized company, and one meeting everything.
    no_lease = CustomerFactory(owner=company.users["alice"])
    trade(no_lease, on=SIGNED, amount=3_000_000, quantity=2000)
    late = vip_candidate(company, amount=3_000_000)
    trade(late, on=SIGNED, amount=10_000, quantity=1, payment="late")
    sized = CustomerFactory(owner=company.users["alice"], size="medium")
    trade(sized, on=SIGNED, amount=200_000, quantity=50)
    attest(company, sized, "long_lease")
    full = vip_candidate(company, amount=1_500_000)
    # An expired attestation does not count.
    expired = vip_candidate(company, amount=1_600_000)
    Assessment.objects.filter(customer=expired).update(valid_until=date(2026, 1, 1))
    for _ in range(10):  # room in the quotas: 4 places of 19 overall, 4 of 15 in 粮油
        small_trader(company)
    review = run(company, wholesale)
    tiers = dict(ReviewLine.objects.filter(review=review).values_list("customer_id", "tier"))
    assert tiers[full.pk] == "vip"
    assert tiers[sized.pk] == "vip"  # 具有一定规模的公司 satisfies criterion a alone
    assert tiers[no_lease.pk] == "qualified"
    assert tiers[late.pk] == "qualified"
    assert tiers[expired.pk] == "qualified"
