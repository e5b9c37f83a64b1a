"""CRD-5 (s004 信用审核): the credit rating from the ledger and the semi-annual review —
the rating each customer's payment record gives, the reviewer's adjustment with its
reason, the 升(降)级评审表 approved, the ratings applied (the limit in force follows) and
told to the offices and finance; refused input changes nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.base import ON_POSTGRESQL, also_in_a_real_transaction
from tests.concurrency import run_in_threads
from tests.conftest import Company
from zhike.credit import reviews, selectors
from zhike.credit.errors import CreditError
from zhike.credit.models import CreditRating, CreditReview, CreditReviewLine
from zhike.credit.rating import Figures, rate, shortfalls
from zhike.errors import Conflict, PermissionDenied
from zhike.policy.loader import load_policy
from zhike.trade.models import Invoice
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest, Notice

POLICY = load_policy("auto-dealer")  # credit on; ratings A/B/C/D by default
LEVELS = POLICY.credit.rating.levels
TZ = ZoneInfo("Asia/Shanghai")
END = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=TZ)


def invoice(customer, issued: date, *, amount: int = 1000, paid_after: int | None = 0) -> None:  # type: ignore[no-untyped-def]
    """An invoice due 30 days after issue, paid ``paid_after`` days after due (None: open)."""
    due = issued + timedelta(days=30)
    Invoice.objects.create(
        customer=customer,
        number=f"FP{customer.pk}-{issued}-{amount}",
        issued_on=issued,
        due_on=due,
        amount=amount,
        paid_amount=amount if paid_after is not None else 0,
        paid_on=due + timedelta(days=paid_after) if paid_after is not None else None,
    )


@pytest.fixture
def ledger(company: Company) -> Company:
    """A pays everything on time (→ A); B paid 1 of 4 late by 10 days (75 %: → C);
    E's one invoice is 50 days overdue at the period's end (0 % on time → D); P has never
    been invoiced (not reviewed)."""
    a, b, e = (company.customers[k] for k in "ABE")
    for month in (1, 2, 3, 4):
        invoice(a, date(2026, month, 5))
        invoice(b, date(2026, month, 5), paid_after=10 if month == 2 else 0)
    invoice(e, date(2026, 4, 11), paid_after=None)  # due 05-11: 50 days overdue on 06-30
    return company


def start(company: Company, persona: str = "mgr", *, compute: bool = True) -> CreditReview:
    """Open the review and run its job (the job is queued on commit)."""
    review = reviews.credit_review_start(
        by=company.users[persona], policy=POLICY, period_end=END, now=NOW
    )
    if compute:
        assert review.state == "computing"
        assert reviews.credit_review_compute(review_id=review.pk, policy=POLICY, now=NOW)
        # a redelivered job does nothing
        assert not reviews.credit_review_compute(review_id=review.pk, policy=POLICY, now=NOW)
        review.refresh_from_db()
    return review


def test_crd_5_rating_rule_takes_the_first_level_met() -> None:
    punctual = Figures(invoices_due=4, on_time_ratio=Decimal(100), overdue_count=0, days_overdue=0)
    assert rate(punctual, LEVELS) == "A"
    one_late = Figures(invoices_due=10, on_time_ratio=Decimal(90), overdue_count=1, days_overdue=0)
    assert rate(one_late, LEVELS) == "B"
    assert shortfalls(one_late, LEVELS[0]) == [
        "按时回款率 90%% 低于 95%".replace("%%", "%"),
        "逾期 1 笔,超过 0 笔",
    ]
    nothing_due = Figures(invoices_due=0, on_time_ratio=None, overdue_count=0, days_overdue=0)
    assert rate(nothing_due, LEVELS) == "A"  # nothing fell due: nothing against it
    hopeless = Figures(invoices_due=5, on_time_ratio=Decimal(20), overdue_count=4, days_overdue=200)
    assert rate(hopeless, LEVELS) == "D"  # the last level catches the rest


def test_crd_5_a_review_proposes_each_credit_customers_rating_from_the_ledger(
    ledger: Company,
) -> None:
    review = start(ledger)
    lines = {line.customer_id: line for line in review.lines.all()}
    a, b, e = (ledger.customers[k].pk for k in "ABE")
    assert set(lines) == {a, b, e}  # P was never given credit
    assert (lines[a].proposed, lines[a].on_time_ratio, lines[a].overdue_count) == ("A", 100, 0)
    assert (lines[b].proposed, lines[b].on_time_ratio, lines[b].overdue_count) == ("C", 75, 1)
    assert (lines[e].proposed, lines[e].days_overdue, lines[e].receivables) == ("D", 50, 1000)
    assert review.period_start == date(2026, 1, 1) and review.summary["new"] == 3
    assert review.title == "2026-01-01 至 2026-06-30 客户信用评审"


def test_crd_5_adjusting_needs_a_reason_and_a_level_of_the_policy(ledger: Company) -> None:
    review = start(ledger)
    b = ledger.customers["B"].pk
    with pytest.raises(CreditError) as no_reason:
        reviews.credit_review_adjust(
            by=ledger.users["mgr"],
            review_id=review.pk,
            customer_id=b,
            rating="B",
            comment="  ",
            policy=POLICY,
        )
    assert no_reason.value.field == "comment"
    with pytest.raises(CreditError) as unknown:
        reviews.credit_review_adjust(
            by=ledger.users["mgr"],
            review_id=review.pk,
            customer_id=b,
            rating="AAA",
            comment="老客户",
            policy=POLICY,
        )
    assert unknown.value.field == "rating"
    with pytest.raises(PermissionDenied):
        reviews.credit_review_adjust(
            by=ledger.users["alice"],
            review_id=review.pk,
            customer_id=b,
            rating="B",
            comment="老客户",
            policy=POLICY,
        )
    assert CreditReviewLine.objects.get(review=review, customer_id=b).adjusted == ""
    line = reviews.credit_review_adjust(
        by=ledger.users["mgr"],
        review_id=review.pk,
        customer_id=b,
        rating="B",
        comment="仅一次逾期,已说明原因",
        policy=POLICY,
    )
    assert (line.final, line.comment) == ("B", "仅一次逾期,已说明原因")


def test_crd_5_approved_ratings_apply_and_the_offices_and_finance_are_told(ledger: Company) -> None:
    review = start(ledger)
    reviews.credit_review_submit(
        by=ledger.users["mgr"], review_id=review.pk, policy=POLICY, now=NOW
    )
    review.refresh_from_db()
    assert review.state == "submitted"
    with pytest.raises(CreditError):  # no adjusting while it is with the approver
        reviews.credit_review_adjust(
            by=ledger.users["mgr"],
            review_id=review.pk,
            customer_id=ledger.customers["B"].pk,
            rating="B",
            comment="x",
            policy=POLICY,
        )
    request = ApprovalRequest.objects.get(kind="credit_review", object_id=review.pk)
    approval_act(
        request_id=request.pk,
        by=ledger.users["vp"],
        action="approve",
        comment="同意",
        policy=POLICY,
        now=NOW,
    )
    review.refresh_from_db()
    assert review.state == "applied"
    ratings = dict(CreditRating.objects.values_list("customer_id", "rating"))
    assert ratings == {
        ledger.customers["A"].pk: "A",
        ledger.customers["B"].pk: "C",
        ledger.customers["E"].pk: "D",
    }
    told = set(
        Notice.objects.filter(kind="credit.review").values_list("recipient__username", flat=True)
    )
    assert {"office", "fin", "mgr"} <= told
    assert "alice" not in told


def test_crd_5_the_rating_sets_the_share_of_the_limit_in_force(ledger: Company) -> None:
    a = ledger.customers["A"]
    day = date(2026, 7, 10)
    formula = selectors.limit_on(a.pk, day, grade="", policy=POLICY.credit)
    CreditRating.objects.create(customer=a, rating="A", since=NOW)
    assert selectors.limit_on(a.pk, day, grade="", policy=POLICY.credit) == formula * Decimal("1.2")
    CreditRating.objects.filter(customer=a).update(rating="C")
    assert selectors.limit_on(a.pk, day, grade="", policy=POLICY.credit) == formula / 2
    CreditRating.objects.filter(customer=a).update(rating="D")
    missing = selectors.missing_requirements(a, day, policy=POLICY.credit)
    assert "信用等级为 信用较差,不授信" in missing


def test_crd_5_one_review_open_at_a_time_and_one_per_period(ledger: Company) -> None:
    start(ledger)
    with pytest.raises(Conflict):
        start(ledger)
    with pytest.raises(PermissionDenied):
        start(ledger, persona="alice")


def test_crd_5_the_job_opens_the_review_on_the_first_day_of_each_half_once(ledger: Company) -> None:
    assert reviews.open_scheduled_review(policy=POLICY, today=date(2026, 6, 30), now=NOW) is None
    review = reviews.open_scheduled_review(policy=POLICY, today=date(2026, 7, 1), now=NOW)
    assert review is not None and review.period_end == END and review.created_by is None
    assert review.state == "computing"  # its job computes the lines
    assert reviews.open_scheduled_review(policy=POLICY, today=date(2026, 7, 1), now=NOW) is None
    assert CreditReview.objects.count() == 1
    general = load_policy("general")  # credit off: no review
    CreditReview.objects.all().delete()
    assert reviews.open_scheduled_review(policy=general, today=date(2026, 7, 1), now=NOW) is None


def test_crd_5_a_returned_review_can_be_adjusted_again_a_rejected_one_is_closed(
    ledger: Company,
) -> None:
    review = start(ledger)
    reviews.credit_review_submit(
        by=ledger.users["mgr"], review_id=review.pk, policy=POLICY, now=NOW
    )
    request = ApprovalRequest.objects.get(kind="credit_review", object_id=review.pk)
    approval_act(
        request_id=request.pk,
        by=ledger.users["vp"],
        action="return",
        comment="B 再看看",
        policy=POLICY,
        now=NOW,
    )
    review.refresh_from_db()
    assert review.state == "proposed"
    assert not CreditRating.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="parallel starts need PostgreSQL")
def test_crd_5_twenty_reviews_started_at_once_open_one() -> None:
    from tests.conftest import build_company

    company = build_company()
    invoice(company.customers["A"], date(2026, 3, 5))
    errors = run_in_threads(20, lambda i: start(company, compute=False))
    assert CreditReview.objects.count() == 1
    assert len(errors) == 19 and all(isinstance(e, Conflict) for e in errors)


also_in_a_real_transaction(
    globals(),
    test_crd_5_approved_ratings_apply_and_the_offices_and_finance_are_told,
    test_crd_5_adjusting_needs_a_reason_and_a_level_of_the_policy,
)


def test_crd_5_a_failed_computation_is_marked_and_the_period_can_be_reviewed_again(
    ledger: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    review = start(ledger, compute=False)
    monkeypatch.setattr(reviews, "_compute", broken)
    with pytest.raises(RuntimeError):
        reviews.credit_review_compute(review_id=review.pk, policy=POLICY, now=NOW)
    review.refresh_from_db()
    assert review.state == "failed" and not review.lines.exists()
    monkeypatch.undo()
    again = start(ledger)  # neither open nor done: the same half-year may be reviewed again
    assert again.state == "proposed" and again.lines.count() == 3
