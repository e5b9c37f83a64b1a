"""GRD-7: a problem on a VIP opens a 5-day deadline to downgrade it, escalating if missed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from zhike.grading.errors import GradingError, PermissionDenied
from zhike.grading.events import event_downgrade, problem_record
from zhike.grading.models import GradeChange, Problem, Standing
from zhike.policy.loader import load_policy
from zhike.workflow.deadlines import sweep_overdue
from zhike.workflow.models import Deadline, DeadlineState, Notice

from .base import also_in_a_real_transaction
from .conftest import Company


@pytest.fixture(scope="module")
def wholesale():  # type: ignore[no-untyped-def]
    return load_policy("wholesale-market")


def standing(customer, tier: str) -> None:  # type: ignore[no-untyped-def]
    Standing.objects.create(customer=customer, tier=tier, since=timezone.now())


def test_grd_7_problem_on_a_vip_opens_a_5_day_downgrade_deadline(
    company: Company, wholesale
) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    standing(customer, "vip")
    now = timezone.now()
    problem = problem_record(
        by=company.users["alice"],
        customer_id=customer.pk,
        kind="late_fees",
        description="连续两个月未按期交纳租金",
        policy=wholesale,
        now=now,
    )
    deadline = problem.deadline
    assert deadline is not None
    # 5 calendar days (s000 "5日内"), to the sales manager above Alice's department.
    assert deadline.assignee == company.users["mgr"]
    assert deadline.due_at.date() == (now + timedelta(days=5)).date()
    assert deadline.policy_version == "wholesale-market-1"
    # Missed: the sweep escalates it up the default chain, from above the assignee: the
    # sales manager's item goes to the vice president, never down to the supervisor.
    sweep_overdue(policy=wholesale, now=now + timedelta(days=6))
    deadline.refresh_from_db()
    assert deadline.escalation_level == 3  # supervisor 1, sales manager 2, vice president 3
    assert Notice.objects.filter(kind="deadline.overdue", recipient=company.users["mgr"]).exists()
    escalated = set(
        Notice.objects.filter(kind="deadline.escalated").values_list(
            "recipient__username", flat=True
        )
    )
    assert escalated == {"vp"}
    # The manager downgrades VIP → 优选: standing, history and the deadline follow.
    change = event_downgrade(
        by=company.users["mgr"],
        customer_id=customer.pk,
        to="preferred",
        reason="交费不及时,按制度降级",
        policy=wholesale,
        now=now + timedelta(days=6),
    )
    assert (change.old, change.new, change.source) == ("vip", "preferred", "event")
    assert Standing.objects.get(customer=customer).tier == "preferred"
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.DONE
    assert Problem.objects.get().resolved_at is not None


def test_grd_7_no_deadline_below_the_protected_levels(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    standing(customer, "qualified")
    problem = problem_record(
        by=company.users["alice"],
        customer_id=customer.pk,
        kind="contract_execution",
        description="发货延误",
        policy=wholesale,
        now=timezone.now(),
    )
    assert problem.deadline is None
    assert not Deadline.objects.exists()


def test_grd_7_severe_problem_is_reported_to_the_leaders(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    standing(customer, "vip")
    problem_record(
        by=company.users["alice"],
        customer_id=customer.pk,
        kind="operating_crisis",
        description="老板失联,货款无法收回",
        severe=True,
        policy=wholesale,
        now=timezone.now(),
    )
    told = set(
        Notice.objects.filter(kind="grading.severe_problem").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"vp", "gm"}


def test_grd_7_bad_input_and_wrong_direction(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    standing(customer, "preferred")
    with pytest.raises(GradingError, match="无效的问题类型"):
        problem_record(
            by=company.users["alice"],
            customer_id=customer.pk,
            kind="rude",
            description="x",
            policy=wholesale,
            now=timezone.now(),
        )
    with pytest.raises(GradingError, match="更低的级别"):
        event_downgrade(
            by=company.users["mgr"],
            customer_id=customer.pk,
            to="vip",
            reason="x",
            policy=wholesale,
            now=timezone.now(),
        )
    with pytest.raises(PermissionDenied):
        event_downgrade(
            by=company.users["alice"],
            customer_id=customer.pk,
            to="qualified",
            reason="x",
            policy=wholesale,
            now=timezone.now(),
        )
    assert not GradeChange.objects.exists() and not Problem.objects.exists()


def test_arc_7_merge_keeps_the_ledger_and_grading_history(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    from datetime import date
    from decimal import Decimal

    from zhike.archive.merging import customer_merge
    from zhike.grading.models import Assessment
    from zhike.trade.metrics import Period, customer_figures
    from zhike.trade.models import Invoice, Order

    from .factories import CustomerFactory, trade

    keep = company.customers["A"]
    duplicate = CustomerFactory(owner=company.users["alice"], name="甲方阿尔法科技(重复)")
    trade(keep, on=date(2026, 3, 1), amount=100_000)
    trade(duplicate, on=date(2026, 4, 1), amount=50_000, payment="open")
    standing(duplicate, "vip")
    problem_record(
        by=company.users["alice"],
        customer_id=duplicate.pk,
        kind="late_fees",
        description="逾期",
        policy=wholesale,
        now=timezone.now(),
    )
    Assessment.objects.create(
        customer=duplicate,
        key="long_lease",
        value="yes",
        by=company.users["mgr"],
        at=timezone.now(),
    )
    customer_merge(by=company.users["mgr"], keep_id=keep.pk, merge_id=duplicate.pk)
    assert Order.objects.filter(customer=keep).count() == 2
    assert Invoice.objects.filter(customer=duplicate).count() == 0
    figures = customer_figures(
        keep.pk, Period(date(2026, 1, 1), date(2026, 12, 31)), volume_unit="吨"
    )
    assert figures.contract_amount == Decimal(150_000)
    assert Problem.objects.get().customer_id == keep.pk
    assert Assessment.objects.get().customer_id == keep.pk
    assert not Standing.objects.filter(customer=duplicate).exists()


also_in_a_real_transaction(
    globals(),
    test_grd_7_problem_on_a_vip_opens_a_5_day_downgrade_deadline,
)
