"""The approval engine (APR-1): one mechanism for every seed form.

A module submits an approval for its object; the chain comes from the policy
(``[approvals.<kind>]``: roles, amount thresholds, step deadline). Each step resolves to
the people holding the role nearest the requester's department. Approvers approve, reject
or return for changes with a comment; nobody approves their own request; a delegate acts
for an absent approver (ORG-3). What an approval unlocks is decided by the object's
module through the callbacks it registers — the engine never changes the object itself.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.deferred import Deferred, deferred, stored_text, stored_title
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import ApprovalKind, Duration, Policy

from .deadlines import deadline_open, deadlines_close
from .models import ApprovalRequest, ApprovalState, ApprovalStep, Notice, StepState
from .notices import notices_about_settled
from .notify import notify_many
from .selectors import absent_colleagues_of

Action = Literal["approve", "reject", "return"]


class ApprovalError(RuleError):
    """An approval operation was refused (unknown kind, wrong state, not the approver…)."""


class ApprovalForbidden(ApprovalError):
    code = "permission_denied"


Callback = Callable[[ApprovalRequest], None]


@dataclass(frozen=True)
class ApprovalHandler:
    on_approved: Callback | None = None
    on_rejected: Callback | None = None
    on_returned: Callback | None = None
    # Where the approver reads what is asked (the shipment, the visit report…).
    subject_link: Callable[[ApprovalRequest], str] | None = None


_handlers: dict[str, ApprovalHandler] = {}


def register_approval_handler(kind: str, handler: ApprovalHandler) -> None:
    """Called by a module (in its AppConfig.ready) for the kinds whose outcome it acts on."""
    _handlers[kind] = handler


def subject_link(request: ApprovalRequest) -> str:
    """The page of what the request asks about, as its module says ("" if none)."""
    handler = _handlers.get(request.kind)
    return handler.subject_link(request) if handler and handler.subject_link else ""


def _rule(policy: Policy, kind: str) -> ApprovalKind:
    try:
        return policy.approvals[kind]
    except KeyError:
        raise ApprovalError(_("管理制度中没有配置审批类型 %(kind)s") % {"kind": kind}) from None


def _allowance(step: ApprovalStep, rule: ApprovalKind) -> Duration:
    """The step's own allowance (ENG-9: each level's day limit), else the kind's."""
    own = next(
        (
            s.deadline
            for s in rule.steps
            if s.role == step.role and (s.label or s.role) == step.label
        ),
        None,
    )
    return own or rule.step_deadline


def _link(request: ApprovalRequest) -> str:
    return f"/approvals/{request.pk}/"


def _start_round(
    request: ApprovalRequest,
    rule: ApprovalKind,
    *,
    policy: Policy,
    now: datetime,
    excluded: Collection[int] = (),
) -> None:
    applicable = [
        s
        for s in rule.steps
        if s.min_amount is None or (request.amount is not None and request.amount >= s.min_amount)
    ]
    requester = request.requester
    steps = []
    for position, step_rule in enumerate(applicable):
        candidates = [
            p
            for p in people_with_role(step_rule.role, near=requester.department, exclude=requester)
            if p.pk not in excluded
        ]
        if not candidates:
            raise ApprovalError(
                _("找不到“%(label)s”的审批人(需要角色 %(role)s)")
                % {"label": step_rule.label or step_rule.role, "role": step_rule.role}
            )
        step = ApprovalStep.objects.create(
            request=request,
            round=request.round,
            position=position,
            role=step_rule.role,
            label=step_rule.label or step_rule.role,
            state=StepState.ACTIVE if position == 0 else StepState.WAITING,
        )
        step.candidates.set(candidates)
        steps.append((step, candidates))
    _activate(steps[0][0], steps[0][1], request, rule, policy=policy, now=now)


def _activate(
    step: ApprovalStep,
    candidates: list[User],
    request: ApprovalRequest,
    rule: ApprovalKind,
    *,
    policy: Policy,
    now: datetime,
) -> None:
    step.state = StepState.ACTIVE
    step.save(update_fields=["state"])
    for person in candidates:
        deadline_open(
            title=deferred("审批:%(title)s", title=request.title_source),
            assignee=person,
            start=now,
            within=_allowance(step, rule),
            policy=policy,
            rule=f"approval.{request.kind}",
            escalation=rule.escalation,
            subject=step,
            link=_link(request),
        )
    step_type = ContentType.objects.get_for_model(ApprovalStep)
    notify_many(
        [
            Notice(
                recipient=p,
                kind="approval.waiting",
                link=_link(request),
                content_type=step_type,
                object_id=step.pk,
                **stored_title(deferred("待您审批:%(title)s", title=request.title_source)),
                **stored_text(
                    "body",
                    deferred(
                        "%(who)s 提交,当前步骤:%(step)s",
                        who=str(request.requester),
                        step=step.label,
                    ),
                ),
            )
            for p in candidates
        ],
        policy=policy,
    )


def _customer_of(subject: Model) -> int | None:
    """The customer an approval is about: the subject itself, or the one it names."""
    if subject._meta.label == "archive.Customer":
        return subject.pk
    return getattr(subject, "customer_id", None)


@transaction.atomic
def approval_submit(
    *,
    kind: str,
    subject: Model,
    title: str | Deferred,
    by: User,
    policy: Policy,
    now: datetime,
    amount: Decimal | None = None,
    excluded: Collection[int] = (),
) -> ApprovalRequest:
    """Start the policy's chain for ``kind`` on ``subject``. ``excluded`` people may not
    approve it (the person a complaint is about, SRV-4); a new submission names them again."""
    rule = _rule(policy, kind)
    request = ApprovalRequest.objects.create(
        kind=kind,
        **stored_title(title),
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        customer_id=_customer_of(subject),
        requester=by,
        department=by.department,
        amount=amount,
        policy_version=policy.policy.version,
    )
    _start_round(request, rule, policy=policy, now=now, excluded=excluded)
    record(
        request,
        "approval.submitted",
        by=by,
        details={"kind": kind, "amount": amount, "policy_version": policy.policy.version},
    )
    return request


@transaction.atomic
def approval_act(
    *,
    request_id: int,
    by: User,
    action: Action,
    comment: str,
    policy: Policy,
    now: datetime,
) -> ApprovalRequest:
    """Approve, reject or return the request's current step."""
    request = (
        ApprovalRequest.objects.select_for_update().select_related("requester").get(pk=request_id)
    )
    if request.state != ApprovalState.PENDING:
        raise ApprovalError(_("该审批已结束,不能再操作"))
    if request.requester_id == by.pk:
        raise ApprovalForbidden(_("不能审批自己提交的申请"))
    step = request.steps.select_for_update().get(round=request.round, state=StepState.ACTIVE)
    candidate_ids = set(step.candidates.values_list("id", flat=True))
    on_behalf_of = None
    if by.pk not in candidate_ids:
        absent = [a for a in absent_colleagues_of(by, now=now) if a in candidate_ids]
        if not absent:
            raise ApprovalForbidden(_("您不是当前步骤的审批人"))
        on_behalf_of = absent[0]
    comment = comment.strip()
    if action in ("reject", "return") and not comment:
        raise ApprovalError(_("驳回或退回时请填写意见"), field="comment")
    if action not in ("approve", "reject", "return"):
        raise ApprovalError(_("无效的审批操作"), field="action")

    step.state = {
        "approve": StepState.APPROVED,
        "reject": StepState.REJECTED,
        "return": StepState.RETURNED,
    }[action]
    step.acted_by, step.on_behalf_of_id = by, on_behalf_of
    step.comment, step.acted_at = comment, now
    step.save()
    deadlines_close(subject=step, now=now)
    # The other candidates' "待您审批" notices are moot once anyone decided the step.
    notices_about_settled(subject=step, now=now)
    record(
        request,
        f"approval.{action}",
        by=by,
        details={
            "step": step.label,
            "comment": comment,
            "on_behalf_of": on_behalf_of,
        },
    )

    handler = _handlers.get(request.kind, ApprovalHandler())
    rule = _rule(policy, request.kind)
    if action == "approve":
        following = request.steps.filter(round=request.round, state=StepState.WAITING).first()
        if following is not None:
            _activate(
                following, list(following.candidates.all()), request, rule, policy=policy, now=now
            )
            return request
        request.state = ApprovalState.APPROVED
        callback = handler.on_approved
        outcome = deferred("已批准")
    else:
        request.steps.filter(round=request.round, state=StepState.WAITING).update(
            state=StepState.CANCELLED
        )
        request.state = ApprovalState.REJECTED if action == "reject" else ApprovalState.RETURNED
        callback = handler.on_rejected if action == "reject" else handler.on_returned
        outcome = deferred("已驳回") if action == "reject" else deferred("已退回修改")
    if request.state != ApprovalState.RETURNED:
        request.decided_at = now
    request.save(update_fields=["state", "decided_at"])
    notify_many(
        [
            Notice(
                recipient=request.requester,
                kind=f"approval.{request.state}",
                link=_link(request),
                body=comment,
                **stored_title(
                    deferred(
                        "您的申请%(outcome)s:%(title)s",
                        outcome=outcome,
                        title=request.title_source,
                    )
                ),
            )
        ],
        policy=policy,
    )
    if callback is not None:
        callback(request)
    return request


@transaction.atomic
def approval_resubmit(
    *, request_id: int, by: User, policy: Policy, now: datetime, amount: Decimal | None = None
) -> ApprovalRequest:
    """After a return for changes, the requester submits again: a new round from step 1."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    if request.requester_id != by.pk:
        raise ApprovalForbidden(_("只有申请人可以重新提交"))
    if request.state != ApprovalState.RETURNED:
        raise ApprovalError(_("只有退回修改的申请可以重新提交"))
    request.round += 1
    request.state = ApprovalState.PENDING
    if amount is not None:
        request.amount = amount
    request.save(update_fields=["round", "state", "amount"])
    _start_round(request, _rule(policy, request.kind), policy=policy, now=now)
    record(request, "approval.resubmitted", by=by, details={"round": request.round})
    return request
