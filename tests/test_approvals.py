"""APR-1: one approval engine for every seed form; ORG-3 delegation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from zhike.audit.services import events_for
from zhike.policy.loader import parse_policy
from zhike.workflow.approvals import (
    ApprovalError,
    ApprovalForbidden,
    ApprovalHandler,
    approval_act,
    approval_resubmit,
    approval_submit,
    register_approval_handler,
)
from zhike.workflow.models import (
    ApprovalState,
    Deadline,
    DeadlineState,
    Delegation,
    Notice,
    StepState,
)

from .base import also_in_a_real_transaction
from .conftest import Company


@pytest.fixture(autouse=True)
def fresh_handlers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from zhike.workflow import approvals

    monkeypatch.setattr(approvals, "_handlers", {})


# kind -> (requester, [candidates of each step]) with the conftest personas.
CHAINS = {
    "reception_expense": ("cs", [["crm"], ["fin"]]),  # CS manager → finance
    "new_customer_report": ("alice", [["sup"], ["mgr"]]),  # supervisor → sales manager
    "development_application": ("alice", [["sup"]]),  # supervisor
    "archive_lookup": ("cs", [["crm"], ["gm"]]),  # CS manager → general manager
    "policy_change": ("mgr", [["vp"]]),  # vice president (s004)
}


def submit(company: Company, kind: str, requester: str, general_policy, **kw):  # type: ignore[no-untyped-def]
    subject = company.customers["A"]
    return approval_submit(
        kind=kind,
        subject=subject,
        title=f"测试{kind}",
        by=company.users[requester],
        policy=general_policy,
        now=timezone.now(),
        **kw,
    )


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_apr_1_chain_resolves_to_the_right_people(
    company: Company, general_policy, kind: str
) -> None:
    requester, expected = CHAINS[kind]
    request = submit(company, kind, requester, general_policy)
    steps = list(request.steps.order_by("position"))
    assert [sorted(u.username for u in s.candidates.all()) for s in steps] == expected
    assert [s.state for s in steps] == [StepState.ACTIVE] + [StepState.WAITING] * (len(steps) - 1)
    assert request.policy_version == "general-1"
    # The first approvers have a step deadline and a notice in their inbox.
    first = expected[0][0]
    assert Deadline.objects.filter(assignee=company.users[first], state="open").count() == 1
    assert Notice.objects.filter(recipient=company.users[first], kind="approval.waiting").exists()


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_apr_1_approving_every_step_approves_and_calls_the_module(
    company: Company, general_policy, kind: str
) -> None:
    outcomes: list[tuple[str, int]] = []
    register_approval_handler(
        kind, ApprovalHandler(on_approved=lambda r: outcomes.append(("approved", r.object_id)))
    )
    requester, chain = CHAINS[kind]
    request = submit(company, kind, requester, general_policy)
    for candidates in chain:
        assert outcomes == []  # nothing unlocked before the last step
        request = approval_act(
            request_id=request.pk,
            by=company.users[candidates[0]],
            action="approve",
            comment="",
            policy=general_policy,
            now=timezone.now(),
        )
    assert request.state == ApprovalState.APPROVED
    assert outcomes == [("approved", company.customers["A"].pk)]
    assert not Deadline.objects.filter(state=DeadlineState.OPEN).exists()
    actions = [e.action for e in events_for(request)]
    assert actions.count("approval.approve") == len(chain)
    assert "approval.submitted" in actions


def test_apr_1_reject_needs_a_comment_and_ends_the_request(
    company: Company, general_policy
) -> None:
    rejected: list[int] = []
    register_approval_handler(
        "reception_expense", ApprovalHandler(on_rejected=lambda r: rejected.append(r.pk))
    )
    request = submit(company, "reception_expense", "cs", general_policy)
    with pytest.raises(ApprovalError) as caught:
        approval_act(
            request_id=request.pk,
            by=company.users["crm"],
            action="reject",
            comment="  ",
            policy=general_policy,
            now=timezone.now(),
        )
    assert caught.value.field == "comment"
    approval_act(
        request_id=request.pk,
        by=company.users["crm"],
        action="reject",
        comment="超出接待标准",
        policy=general_policy,
        now=timezone.now(),
    )
    request.refresh_from_db()
    assert request.state == ApprovalState.REJECTED and rejected == [request.pk]
    assert [s.state for s in request.steps.order_by("position")] == [
        StepState.REJECTED,
        StepState.CANCELLED,
    ]
    assert Notice.objects.filter(
        recipient=company.users["cs"], kind="approval.rejected", body="超出接待标准"
    ).exists()
    with pytest.raises(ApprovalError):
        approval_act(
            request_id=request.pk,
            by=company.users["fin"],
            action="approve",
            comment="",
            policy=general_policy,
            now=timezone.now(),
        )


def test_apr_1_return_for_changes_then_resubmit_starts_again(
    company: Company, general_policy
) -> None:
    request = submit(company, "new_customer_report", "alice", general_policy)
    approval_act(
        request_id=request.pk,
        by=company.users["sup"],
        action="approve",
        comment="",
        policy=general_policy,
        now=timezone.now(),
    )
    approval_act(
        request_id=request.pk,
        by=company.users["mgr"],
        action="return",
        comment="请补充客户资信情况",
        policy=general_policy,
        now=timezone.now(),
    )
    request.refresh_from_db()
    assert request.state == ApprovalState.RETURNED
    with pytest.raises(ApprovalForbidden):
        approval_resubmit(
            request_id=request.pk,
            by=company.users["bob"],
            policy=general_policy,
            now=timezone.now(),
        )
    approval_resubmit(
        request_id=request.pk, by=company.users["alice"], policy=general_policy, now=timezone.now()
    )
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING and request.round == 2
    current = request.steps.filter(round=2).order_by("position")
    assert [s.state for s in current] == [StepState.ACTIVE, StepState.WAITING]
    assert request.steps.filter(round=1).count() == 2  # the first round stays on file


def test_apr_1_no_self_approval(company: Company, general_policy) -> None:
    # The supervisor files a report: the supervisor step must not resolve to himself.
    from zhike.org.models import Role

    company.users["mgr"].roles.add(Role.objects.get(code="supervisor"))
    request = submit(company, "new_customer_report", "sup", general_policy)
    first = request.steps.get(position=0)
    assert company.users["sup"] not in first.candidates.all()
    with pytest.raises(ApprovalForbidden):
        approval_act(
            request_id=request.pk,
            by=company.users["sup"],
            action="approve",
            comment="",
            policy=general_policy,
            now=timezone.now(),
        )


def test_apr_1_only_the_steps_approvers_may_act(company: Company, general_policy) -> None:
    request = submit(company, "reception_expense", "cs", general_policy)
    with pytest.raises(ApprovalForbidden):  # finance's turn has not come
        approval_act(
            request_id=request.pk,
            by=company.users["fin"],
            action="approve",
            comment="",
            policy=general_policy,
            now=timezone.now(),
        )


def test_org_3_delegate_approves_for_an_absent_approver(company: Company, general_policy) -> None:
    now = timezone.now()
    Delegation.objects.create(
        absent=company.users["sup"],
        delegate=company.users["bob"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        reason="出差",
    )
    request = submit(company, "development_application", "alice", general_policy)
    approval_act(
        request_id=request.pk,
        by=company.users["bob"],
        action="approve",
        comment="代主管批准",
        policy=general_policy,
        now=now,
    )
    step = request.steps.get()
    assert step.acted_by == company.users["bob"]
    assert step.on_behalf_of == company.users["sup"]
    request.refresh_from_db()
    assert request.state == ApprovalState.APPROVED


def test_org_3_delegation_outside_its_period_gives_no_right(
    company: Company, general_policy
) -> None:
    now = timezone.now()
    Delegation.objects.create(
        absent=company.users["sup"],
        delegate=company.users["bob"],
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=3),
    )
    request = submit(company, "development_application", "alice", general_policy)
    with pytest.raises(ApprovalForbidden):
        approval_act(
            request_id=request.pk,
            by=company.users["bob"],
            action="approve",
            comment="",
            policy=general_policy,
            now=now,
        )


AMOUNT_POLICY = """
[policy]
name = "t"
version = "t-1"
effective_date = 2026-01-01
[approvals.reception_expense]
name = "客户接待申请单"
steps = [
  { role = "crm_manager" },
  { role = "finance" },
  { role = "general_manager", min_amount = 5000 },
]
"""


@pytest.mark.parametrize(
    ("amount", "steps"),
    [
        (Decimal("1200"), ["crm_manager", "finance"]),
        (Decimal("5000"), ["crm_manager", "finance", "general_manager"]),
    ],
)
def test_apr_1_chain_by_amount(company: Company, amount: Decimal, steps: list[str]) -> None:
    policy = parse_policy(AMOUNT_POLICY)
    request = submit(company, "reception_expense", "cs", policy, amount=amount)
    assert [s.role for s in request.steps.order_by("position")] == steps


def test_apr_1_unknown_kind_is_a_clear_error(company: Company, general_policy) -> None:
    with pytest.raises(ApprovalError) as caught:
        submit(company, "no_such_form", "alice", general_policy)
    assert "没有配置审批类型" in caught.value.message


def test_apr_1_missing_approver_is_a_clear_error_and_nothing_is_saved(
    company: Company, general_policy
) -> None:
    from zhike.workflow.models import ApprovalRequest

    company.users["vp"].roles.clear()
    with pytest.raises(ApprovalError) as caught:
        submit(company, "policy_change", "mgr", general_policy)
    assert "找不到" in caught.value.message
    assert not ApprovalRequest.objects.exists()


also_in_a_real_transaction(
    globals(),
    test_apr_1_reject_needs_a_comment_and_ends_the_request,
    test_apr_1_return_for_changes_then_resubmit_starts_again,
)
