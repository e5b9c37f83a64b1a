"""GRD-6: a review proposes, reviewers adjust with a reason, the review is approved
through the workflow core and applied at once; the filed review and the history stay."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from zhike.archive.errors import Conflict
from zhike.grading.errors import GradingError, PermissionDenied
from zhike.grading.models import GradeChange, Review, ReviewLine, Standing
from zhike.grading.reviews import review_adjust, review_compute, review_start, review_submit
from zhike.policy.loader import load_policy
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest

from .base import also_in_a_real_transaction, planned_workers
from .conftest import Company
from .factories import CustomerFactory, trade

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def general():  # type: ignore[no-untyped-def]
    return load_policy("general")


def proposed(company: Company, policy) -> Review:  # type: ignore[no-untyped-def]
    review = review_start(
        by=company.users["mgr"], policy=policy, period_end=END, now=timezone.now()
    )
    review_compute(review_id=review.pk, now=timezone.now())
    review.refresh_from_db()
    return review


def vp_decides(company: Company, request, action: str, comment: str, policy) -> None:  # type: ignore[no-untyped-def]
    """The vice president acts on a review's approval request (the s000/s004 chain)."""
    approval_act(
        request_id=request.pk,
        by=company.users["vp"],
        action=action,
        comment=comment,
        policy=policy,
        now=timezone.now(),
    )


def test_grd_6_review_adjust_approve_apply(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    # Given a core customer (≥ 1 M) and an ordinary one
    core = CustomerFactory(owner=company.users["alice"])
    trade(core, on=date(2026, 2, 1), amount=1_500_000)
    small = CustomerFactory(owner=company.users["alice"])
    trade(small, on=date(2026, 2, 1), amount=20_000)
    review = proposed(company, general)
    lines = ReviewLine.objects.filter(review=review)
    assert lines.get(customer=core).tier == "core"
    assert lines.get(customer=small).tier == "ordinary"
    counts = review.summary["counts"]
    assert (counts["tier"]["core"], counts["tier"]["ordinary"]) == (1, 1)
    # a first review: every tier is new (the company's others have no trade: prospects)
    assert counts["changed"]["tier"] == sum(counts["tier"].values()) == 6
    # When the sales manager raises the small one to 潜力 with a reason
    review_adjust(
        by=company.users["mgr"],
        review_id=review.pk,
        customer_id=small.pk,
        tier="potential",
        comment="新签年度框架协议",
    )
    review.refresh_from_db()
    after = review.summary["counts"]["tier"]
    assert (after["core"], after.get("ordinary", 0), after["potential"]) == (1, 0, 1)
    # and submits; the vice president approves
    request = review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=general, now=timezone.now()
    )
    review.refresh_from_db()
    assert review.state == Review.State.SUBMITTED
    vp_decides(company, request, "approve", "同意", general)
    # Then the grades are current at once, with the adjustment and its reason in history
    review.refresh_from_db()
    assert review.state == Review.State.APPLIED
    assert Standing.objects.get(customer=core).tier == "core"
    assert Standing.objects.get(customer=small).tier == "potential"
    change = GradeChange.objects.get(customer=small, axis="tier")
    assert (change.old, change.new, change.reason) == ("", "potential", "新签年度框架协议")
    assert change.policy_version == "general-1" and change.review_id == review.pk
    # and the next review shows the change from last time (A-class is never for life).
    trade(core, on=date(2026, 12, 1), amount=100)
    second = review_start(
        by=company.users["mgr"], policy=general, period_end=date(2027, 6, 30), now=timezone.now()
    )
    review_compute(review_id=second.pk, now=timezone.now())
    line = ReviewLine.objects.get(review=second, customer=core)
    assert (line.previous_tier, line.tier) == ("core", "ordinary")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parallel plans")
def test_grd_6_review_computes_with_parallel_workers_the_web_goes_without(
    company: Company, general, settings
) -> None:  # type: ignore[no-untyped-def]
    # The proposals' aggregates are most of a review's work: their CREATE TABLE AS plans
    # with the job's workers (zhike.db.parallel_plans), and the connection is back to none
    # (a person's reads share it) once the statement is done.
    settings.ZHIKE_JOB_PARALLEL_WORKERS = 3
    CustomerFactory(owner=company.users["alice"])
    seen: list[tuple[str, str]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not sql.startswith("SHOW"):  # planned_workers' own
            seen.append((sql.split(" AS ")[0][:40], planned_workers()))
        return execute(sql, params, many, context)

    assert planned_workers() == "0"
    with connection.execute_wrapper(record):
        proposed(company, general)
    created = [setting for sql, setting in seen if sql.startswith("CREATE TEMPORARY TABLE")]
    assert created == ["3"], seen
    assert planned_workers() == "0"


def test_grd_6_adjustment_needs_a_reason_and_a_known_level(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(owner=company.users["alice"])
    review = proposed(company, general)
    with pytest.raises(GradingError, match="调整理由"):
        review_adjust(
            by=company.users["mgr"],
            review_id=review.pk,
            customer_id=customer.pk,
            tier="core",
            comment=" ",
        )
    with pytest.raises(GradingError, match="无效的级别"):
        review_adjust(
            by=company.users["mgr"],
            review_id=review.pk,
            customer_id=customer.pk,
            tier="platinum",
            comment="x",
        )
    with pytest.raises(PermissionDenied, match="权限"):
        review_adjust(
            by=company.users["alice"],
            review_id=review.pk,
            customer_id=customer.pk,
            tier="core",
            comment="x",
        )
    assert not ReviewLine.objects.filter(review=review).exclude(adjusted_tier="").exists()


def test_grd_4_adjustment_cannot_break_a_quota(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    # 5 % of 24 customers = 1 strategic place, already taken by the review's proposal.
    top = CustomerFactory(owner=company.users["alice"])
    trade(top, on=date(2026, 2, 1), amount=6_000_000)
    others = [CustomerFactory(owner=company.users["alice"]) for _ in range(19)]
    review = proposed(company, general)
    assert ReviewLine.objects.get(review=review, customer=top).tier == "strategic"
    with pytest.raises(GradingError, match="名额已满"):
        review_adjust(
            by=company.users["mgr"],
            review_id=review.pk,
            customer_id=others[0].pk,
            tier="strategic",
            comment="战略合作",
        )


def test_grd_6_one_open_review_at_a_time_and_rejection(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    review = proposed(company, general)
    with pytest.raises(Conflict, match="未完成的评审"):
        review_start(by=company.users["mgr"], policy=general, period_end=END, now=timezone.now())
    request = review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=general, now=timezone.now()
    )
    vp_decides(company, request, "return", "补充说明", general)
    review.refresh_from_db()
    assert review.state == Review.State.PROPOSED  # back to the reviewers
    again = review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=general, now=timezone.now()
    )
    assert again.pk == request.pk and again.round == 2  # the same request, a new round
    assert ApprovalRequest.objects.count() == 1
    vp_decides(company, request, "reject", "数据有误", general)
    review.refresh_from_db()
    assert review.state == Review.State.REJECTED
    assert not Standing.objects.exists()  # nothing applied
    # A new review may start once the last one is closed.
    review_start(by=company.users["mgr"], policy=general, period_end=END, now=timezone.now())


def test_grd_6_compute_runs_once(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    review = review_start(
        by=company.users["mgr"], policy=general, period_end=END, now=timezone.now()
    )
    assert review_compute(review_id=review.pk, now=timezone.now()) is True
    assert review_compute(review_id=review.pk, now=timezone.now()) is False
    assert ReviewLine.objects.filter(review=review).count() == 4


def test_grd_6_scheduled_review_starts_on_the_policys_day(
    company: Company, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from zhike.grading.reviews import start_scheduled_review
    from zhike.workflow.models import Notice

    wholesale = load_policy("wholesale-market")  # s000: every six months, 1 January and July
    now = timezone.now()
    assert start_scheduled_review(policy=wholesale, today=date(2026, 6, 30), now=now) is None
    review = start_scheduled_review(policy=wholesale, today=date(2026, 7, 1), now=now)
    assert review is not None and review.trigger == Review.Trigger.SCHEDULED
    assert review.period_end == date(2026, 7, 1) and review.created_by is None
    told = set(
        Notice.objects.filter(kind="grading.review_scheduled").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"mgr", "vp", "gm", "crm"}
    # Once a day, and not beside an open review.
    assert start_scheduled_review(policy=wholesale, today=date(2026, 7, 1), now=now) is None
    assert Review.objects.count() == 1


def test_grd_1_behaviour_axis_by_frequency_and_amount(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    # Given (general preset: ≥ 6 contracts and ≥ 1 M 高频大额, ≥ 6 高频, ≥ 2 常规, 1 偶尔)
    alice = company.users["alice"]
    big, often, twice, once, never = CustomerFactory.create_batch(5, owner=alice)
    for month in range(1, 7):
        trade(big, on=date(2026, month, 5), amount=200_000)
        trade(often, on=date(2026, month, 5), amount=1_000)
    for month in (2, 4):
        trade(twice, on=date(2026, month, 5), amount=1_000)
    trade(once, on=date(2026, 3, 5), amount=1_000)
    # When the review runs
    review = proposed(company, general)
    behaviour = dict(ReviewLine.objects.filter(review=review).values_list("customer", "behaviour"))
    # Then each customer's purchasing behaviour is classified alongside its value tier
    assert [behaviour[c.pk] for c in (big, often, twice, once, never)] == [
        "frequent_large",
        "frequent",
        "regular",
        "occasional",
        "dormant",
    ]
    assert review.summary["counts"]["behaviour"]["frequent_large"] == 1
    # and once approved it is the customer's standing, with its history
    request = review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=general, now=timezone.now()
    )
    vp_decides(company, request, "approve", "同意", general)
    assert Standing.objects.get(customer=big).behaviour == "frequent_large"
    change = GradeChange.objects.get(customer=once, axis="behaviour")
    assert (change.old, change.new) == ("", "occasional")
    page = company.client("alice").get(f"/customers/{big.pk}/grading/")
    assert "购买行为" in page.text and "高频大额" in page.text
    # with each level's conditions, as for the value tier
    assert "购买行为:各级条件" in page.text and "期内合同 ≥ 6 份" in page.text


also_in_a_real_transaction(
    globals(),
    test_grd_6_review_adjust_approve_apply,
    test_grd_6_review_computes_with_parallel_workers_the_web_goes_without,
)


def test_grd_6_review_and_its_approval_are_titled_in_the_readers_language(
    company: Company, general
) -> None:  # type: ignore[no-untyped-def]
    review = proposed(company, general)
    request = review_submit(
        by=company.users["mgr"], review_id=review.pk, policy=general, now=timezone.now()
    )
    assert review.title == "2026-06-30 客户分级评审"
    client = company.client("mgr")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Grading review to 2026-06-30" in client.get("/grading/reviews/").text
    assert client.get("/api/v1/grading/reviews").json()[0]["title"] == (
        "Grading review to 2026-06-30"
    )
    vp = company.client("vp")
    vp.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Grading review to 2026-06-30" in vp.get(f"/approvals/{request.pk}/").text
