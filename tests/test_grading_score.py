"""GRD-2 scored grading (s004's four indicators), GRD-3 new customers, and the review's
SQL held to the pure rules."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from zhike.dates import months_before
from zhike.grading.errors import GradingError, PermissionDenied
from zhike.grading.models import Assessment, Review, ReviewLine
from zhike.grading.reviews import review_compute, review_start
from zhike.grading.rules import grade_for, levels_met
from zhike.grading.services import assessment_record
from zhike.policy.loader import load_policy
from zhike.trade.metrics import customer_figures

from .conftest import Company
from .factories import CustomerFactory, trade

END = date(2026, 12, 20)
A_YEAR_AGO = date(2025, 11, 1)


@pytest.fixture(scope="module")
def manufacturer():  # type: ignore[no-untyped-def]
    return load_policy("manufacturer")


def run(company: Company, policy, end: date = END) -> Review:  # type: ignore[no-untyped-def]
    review = review_start(
        by=company.users["mgr"], policy=policy, period_end=end, now=timezone.now()
    )
    assert review_compute(review_id=review.pk, now=timezone.now())
    review.refresh_from_db()
    return review


def established(company: Company, **kwargs):  # type: ignore[no-untyped-def]
    """A customer dealing with us for more than a year."""
    customer = CustomerFactory(owner=company.users["alice"], **kwargs)
    trade(customer, on=A_YEAR_AGO, amount=1000)
    return customer


def test_grd_2_four_indicators_score_and_grade(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    # Given a customer with 6 M yuan of contracts paid on time at 12 % over list price,
    # nothing owed at year end, rated an industry leader by the sales manager
    star = established(company)
    trade(star, on=date(2026, 5, 1), amount=6_000_000, list_price=Decimal("5357143"))
    assessment_record(
        by=company.users["mgr"],
        customer_id=star.pk,
        key="influence",
        value="leader",
        policy=manufacturer,
        now=timezone.now(),
    )
    # and the same customer but with one invoice paid late
    late = established(company)
    trade(late, on=date(2026, 5, 1), amount=6_000_000, list_price=Decimal("5357143"))
    trade(late, on=date(2026, 6, 1), amount=10_000, list_price=Decimal("10000"), payment="late")
    assessment_record(
        by=company.users["vp"],
        customer_id=late.pk,
        key="influence",
        value="leader",
        policy=manufacturer,
        now=timezone.now(),
    )
    review = run(company, manufacturer)
    lines = {line.customer_id: line for line in ReviewLine.objects.filter(review=review)}
    # Then the first scores 40 + 30 + 15 + 15 = 100: grade A (≥ 80), every indicator recorded
    assert lines[star.pk].points == {
        "contract": 40,
        "receivables": 30,
        "premium": 15,
        "influence": 15,
    }
    assert (lines[star.pk].score, lines[star.pk].grade) == (Decimal(100), "A")
    # and the late payer loses the "并及时回款" bands: 5 + 30 + 15 + 15 = 65, grade B.
    assert lines[late.pk].points["contract"] == 5
    assert (lines[late.pk].score, lines[late.pk].grade) == (Decimal(65), "B")
    assert review.policy_version == "manufacturer-1"


def test_grd_2_strategic_influence_rated_by_managers_only(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    customer = established(company)
    with pytest.raises(PermissionDenied, match="指定角色"):
        assessment_record(
            by=company.users["alice"],
            customer_id=customer.pk,
            key="influence",
            value="leader",
            policy=manufacturer,
            now=timezone.now(),
        )
    with pytest.raises(GradingError, match="无效的评定值"):
        assessment_record(
            by=company.users["mgr"],
            customer_id=customer.pk,
            key="influence",
            value="huge",
            policy=manufacturer,
            now=timezone.now(),
        )
    assert not Assessment.objects.exists()


def test_grd_3_new_customers_stay_lowest_for_a_year(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    # Three big customers on time: one for 3 months (before the first evaluation at 6),
    # one for 9 months (inside the first year), one for 13 months.
    def big(first: date):  # type: ignore[no-untyped-def]
        customer = CustomerFactory(owner=company.users["alice"])
        trade(customer, on=first, amount=1000)
        trade(customer, on=date(2026, 10, 1), amount=6_000_000, list_price=Decimal(5_000_000))
        return customer

    three, nine, thirteen = big(date(2026, 9, 20)), big(date(2026, 3, 20)), big(date(2025, 11, 20))
    silent = CustomerFactory(owner=company.users["alice"])
    review = run(company, manufacturer)
    lines = {line.customer_id: line for line in ReviewLine.objects.filter(review=review)}
    assert (lines[three.pk].grade, lines[three.pk].grade_note) == ("C", "not_evaluated")
    assert (lines[nine.pk].grade, lines[nine.pk].grade_note) == ("C", "new")
    assert (lines[thirteen.pk].grade, lines[thirteen.pk].grade_note) == ("A", "")
    assert (lines[silent.pk].grade, lines[silent.pk].grade_note) == ("C", "no_trade")
    # The score is still computed and shown: the note explains why it does not count yet.
    assert lines[nine.pk].score == lines[thirteen.pk].score


@pytest.mark.parametrize("preset", ["manufacturer", "auto-dealer", "general"])
def test_grd_2_review_sql_agrees_with_the_pure_rules(company: Company, preset: str) -> None:
    """The set-based review and :func:`grade_for` / :func:`levels_met` on random ledgers."""
    policy = load_policy(preset)
    rules = policy.grading
    rng = random.Random(20261123)
    customers = []
    for _ in range(60):
        customer = CustomerFactory(
            owner=company.users["alice"], size=rng.choice(["", "small", "medium", "large"])
        )
        first = END - timedelta(days=rng.randint(30, 800))
        for _ in range(rng.randint(0, 4)):
            day = first + timedelta(days=rng.randint(0, (END - first).days))
            amount = rng.choice([30_000, 400_000, 1_200_000, 2_500_000, 5_000_000])
            listed = Decimal(amount) / Decimal(rng.choice(["0.9", "1.0", "1.04", "1.08", "1.2"]))
            trade(
                customer,
                on=day,
                amount=amount,
                quantity=rng.randint(1, 900),
                list_price=listed.quantize(Decimal("0.01")) if rng.random() < 0.8 else None,
                payment=rng.choice(["on_time", "on_time", "late", "open", None]),
            )
        if rules.score and rng.random() < 0.5:
            manual = [i for i in rules.score.indicators if i.options]
            for indicator in manual:
                Assessment.objects.create(
                    customer=customer,
                    key=indicator.key,
                    value=rng.choice(indicator.options).key,
                    by=company.users["mgr"],
                    at=timezone.now(),
                )
        customers.append(customer)
    review = run(company, policy)
    for line in ReviewLine.objects.filter(review=review).select_related("customer"):
        # The review's figures are the per-customer figures of the grading page.
        figures = customer_figures(
            line.customer_id,
            period=_period(review),
            volume_unit=rules.volume_unit,
        )
        for name in (
            "contract_amount",
            "receivables",
            "overdue_count",
            "price_premium",
            "on_time_ratio",
        ):
            assert _same(getattr(figures, name), getattr(line, name)), (name, line.customer_id)
        ratings = dict(
            Assessment.objects.filter(customer=line.customer).values_list("key", "value")
        )
        if rules.score:
            result = grade_for(line, ratings, rules.score, rules, period_end=review.period_end)
            assert result.total == line.score
            assert result.grade == line.grade and result.note == line.grade_note
            assert {s.key: s.points for s in result.indicators} == {
                k: Decimal(str(v)) for k, v in line.points.items()
            }
        if rules.tier and not line.tier_missed:
            fields = {"size": line.customer.size}
            assert levels_met(rules.tier, line, fields, set())[0].key == line.tier


def _period(review: Review):  # type: ignore[no-untyped-def]
    from zhike.trade.metrics import Period

    return Period(review.period_start, review.period_end)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(str(a)).quantize(Decimal("0.01")) == Decimal(str(b)).quantize(Decimal("0.01"))


def test_grd_3_months_before_clamps_to_month_end() -> None:
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert months_before(date(2026, 1, 15), -13) == date(2027, 2, 15)
