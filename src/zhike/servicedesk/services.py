"""Writes of the complaint register (SRV-1…SRV-5): registration from any channel, the
workflow's moves (checked against :mod:`.transitions`), pause and resume, the major
complaint's meeting and warning report. Each runs in one transaction with the complaint's
row locked, so two people acting at once act one after the other."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.archive.models import Customer
from zhike.archive.selectors import customers_with_phone
from zhike.archive.validators import InvalidIdentifier, clean_phone
from zhike.deferred import deferred
from zhike.jobs import enqueue
from zhike.org.models import Department, User
from zhike.org.scopes import users_in_scope
from zhike.policy.schema import Policy
from zhike.policy.service_schema import SOLUTION_APPROVAL
from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import ApprovalRequest

from . import clock
from .common import (
    CONTENT_MAX,
    allowed,
    clean_text,
    locked,
    may_manage,
    may_work,
    move,
    person,
    record,
    tell,
)
from .errors import PermissionDenied, ServiceError
from .major import MAJOR_MESSAGE, add_triggers, became_major, major_reasons, managers
from .models import Channel, ClockKind, Complaint, Demand, TargetKind
from .selectors import ADD, HANDLE, previous_complaint
from .transitions import Action, State

APPROVAL_KIND = SOLUTION_APPROVAL
# Received "in the future" by more than this is a typing error, not a clock skew.
CLOCK_SKEW = timedelta(minutes=5)


def _priority(customer: Customer | None, policy: Policy) -> int:
    """The customer's complaint priority from the treatment matrix (GRD-10); 9 unknown."""
    from zhike.grading.selectors import standing_of
    from zhike.grading.treatment import treatment_for

    if customer is None:
        return 9
    standing = standing_of(customer.pk)
    cell = treatment_for(standing, policy)
    return cell.complaint_priority if cell else 9


@transaction.atomic
def complaint_register(
    *,
    by: User | None,
    channel: str,
    complainant: str,
    content: str,
    demand: str,
    policy: Policy,
    now: datetime,
    received_at: datetime | None = None,
    phone: str = "",
    email: str = "",
    reference: str = "",
    customer_id: int | None = None,
    category: str = "",
    accused_id: int | None = None,
    triggers: list[str] | None = None,
) -> Complaint:
    """Enter a complaint (SRV-1). ``by`` None: it arrived by itself (the public page, the
    mailbox). The customer is the one named (within ``by``'s scope) or the one with this
    phone; a complaint by the same customer or phone within ``repeat_days`` is a repeat."""
    from zhike.archive.selectors import access_customer

    if by is not None and not by.has_perm(ADD):
        raise PermissionDenied(_("您没有登记投诉的权限"))
    if channel not in Channel.values:
        raise ServiceError(_("无效的选项"), field="channel")
    if demand not in Demand.values:
        raise ServiceError(_("无效的选项"), field="demand")
    received_at = received_at or now
    if received_at > now + CLOCK_SKEW:
        raise ServiceError(_("投诉时间不能晚于现在"), field="received_at")
    try:
        phone = clean_phone(clean_text(phone, "phone", required=False, limit=32))
    except InvalidIdentifier as exc:
        raise ServiceError(str(exc), field="phone") from None
    email = clean_text(email, "email", required=False, limit=254)
    if email and "@" not in email:
        raise ServiceError(_("电子邮箱格式不正确"), field="email")
    if not phone and not email and channel not in (Channel.BOX, Channel.CALL_CENTRE):
        raise ServiceError(_("请留下联系电话或电子邮箱,以便答复"), field="phone")
    customer = None
    if customer_id is not None:
        if by is None:
            raise ServiceError(_("无效的选项"), field="customer_id")
        customer = access_customer(by, customer_id)
    elif phone:
        customer = customers_with_phone(phone).first()
    category_rule = policy.service.category(category) if category else None
    if category and category_rule is None:
        raise ServiceError(_("没有这个投诉类别"), field="category")
    accused = person(accused_id, "accused_id") if accused_id else None
    previous = previous_complaint(
        customer_id=customer.pk if customer else None,
        phone=phone,
        since=received_at - timedelta(days=policy.service.repeat_days),
    )
    reasons = major_reasons(
        list(triggers or []),
        repeat=previous is not None and policy.service.repeat_days > 0,
        policy=policy,
    )
    complaint = Complaint.objects.create(
        channel=channel,
        received_at=received_at,
        complainant=clean_text(complainant, "complainant", required=True, limit=60),
        phone=phone,
        email=email,
        customer=customer,
        reference=clean_text(reference, "reference", required=False, limit=100),
        content=clean_text(content, "content", required=True, limit=CONTENT_MAX),
        demand=demand,
        accused=accused,
        registered_by=by,
        major=bool(reasons),
        major_reasons=reasons,
        priority=_priority(customer, policy),
        policy_version=policy.policy.version,
    )
    if category_rule is not None:
        _route(complaint, category_rule.code, policy)
    # The number from the row's id: unique by construction, no counter to race on.
    local = timezone.localtime(received_at)
    complaint.number = f"{policy.service.number_prefix}{local:%Y%m%d}{complaint.pk:06d}"
    complaint.save(update_fields=["number", "category", "team", "department"])
    record(complaint, "register", by=by, now=now)
    clock.log(complaint, ClockKind.STARTED, at=received_at, by=by)
    kinds = [TargetKind.SOLUTION.value, TargetKind.CLOSURE.value]
    if complaint.major:
        kinds.append(TargetKind.WARNING.value)
    clock.open_targets(complaint, kinds, start=received_at, policy=policy, now=now)
    if complaint.major:
        tell(
            managers(complaint, policy),
            complaint,
            MAJOR_MESSAGE,
            kind="complaint.major",
            policy=policy,
        )
    return complaint


def _route(complaint: Complaint, category: str, policy: Policy) -> None:
    """SRV-2: the category names the handling department (by code) and the team."""
    rule = policy.service.category(category)
    if rule is None:
        raise ServiceError(_("没有这个投诉类别"), field="category")
    department = Department.objects.filter(code=rule.department).first()
    if department is None:
        raise ServiceError(
            _("投诉类别“%(name)s”的受理部门 %(code)s 不存在,请检查制度设置")
            % {"name": rule.name, "code": rule.department},
            field="service.categories",
        )
    complaint.category, complaint.team, complaint.department = rule.code, rule.team, department


# --- the workflow's moves ---------------------------------------------------------------


@transaction.atomic
def complaint_accept(
    *,
    by: User,
    complaint_id: int,
    category: str,
    policy: Policy,
    now: datetime,
    triggers: list[str] | None = None,
    accused_id: int | None = None,
    note: str = "",
) -> Complaint:
    """Validity checked, the complaint is accepted and classified (SRV-2): it goes to the
    category's department and team. Further triggers may make it major now (SRV-3)."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_manage(by)
    allowed(complaint, Action.ACCEPT)
    _route(complaint, category, policy)
    if accused_id is not None:
        complaint.accused = person(accused_id, "accused_id")
    now_major = add_triggers(complaint, list(triggers or []), policy)
    move(complaint, Action.ACCEPT, by=by, now=now, note=clean_text(note, "note", required=False))
    clock.recompute(complaint, now=now, by=by, why="accepted", policy=policy)
    category_rule = policy.service.category(complaint.category)
    if category_rule is not None and category_rule.product:
        # SRV-6: the technical department's document is due from the acceptance.
        clock.open_targets(
            complaint, [TargetKind.DOCUMENT.value], start=now, policy=policy, now=now
        )
    if now_major:
        became_major(complaint, by=by, now=now, policy=policy)
    return complaint


@transaction.atomic
def complaint_dismiss(
    *, by: User, complaint_id: int, reply: str, policy: Policy, now: datetime
) -> Complaint:
    """Not accepted (the customer's own fault, SRV-4): closed with a reasoned reply."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_manage(by)
    allowed(complaint, Action.DISMISS)
    complaint.reply = clean_text(reply, "reply", required=True)
    move(complaint, Action.DISMISS, by=by, now=now, note=complaint.reply)
    complaint.closed_at = now
    complaint.save(update_fields=["reply", "closed_at"])
    clock.stop_all(complaint, now=now, by=by, policy=policy)
    if complaint.email:
        enqueue("servicedesk.tell_complainant", complaint.pk)  # the reasoned reply (SRV-9)
    return complaint


@transaction.atomic
def complaint_assign(
    *, by: User, complaint_id: int, handler_id: int, policy: Policy, now: datetime, note: str = ""
) -> Complaint:
    """Give the complaint to a handler (SRV-4): active, allowed to handle complaints,
    within the assigner's scope, and never the person complained about."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_manage(by)
    allowed(complaint, Action.ASSIGN)
    handler = users_in_scope(by).filter(pk=handler_id).first()
    if handler is None or not handler.has_perm(HANDLE):
        raise ServiceError(_("该员工不能处理投诉"), field="handler_id")
    if handler.pk == complaint.accused_id:
        raise ServiceError(_("被投诉人不能处理本投诉"), field="handler_id")
    complaint.handler = handler
    move(
        complaint,
        Action.ASSIGN,
        by=by,
        now=now,
        note=clean_text(note, "note", required=False) or str(handler),
    )
    tell(
        [handler],
        complaint,
        gettext_noop("新投诉待您处理:%(number)s"),
        kind="complaint.assigned",
        policy=policy,
    )
    return complaint


@transaction.atomic
def complaint_investigate(
    *,
    by: User,
    complaint_id: int,
    cause: str,
    policy: Policy,
    now: datetime,
    responsible_department_id: int | None = None,
    responsible_person_id: int | None = None,
) -> Complaint:
    """The cause and the responsible party (s003-6 3: 查明具体原因和具体责任者)."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_work(by, complaint)
    allowed(complaint, Action.INVESTIGATE)
    complaint.cause = clean_text(cause, "cause", required=True)
    if responsible_department_id is not None:
        department = Department.objects.filter(pk=responsible_department_id).first()
        if department is None:
            raise ServiceError(_("没有这个部门"), field="responsible_department_id")
        complaint.responsible_department = department
    if responsible_person_id is not None:
        complaint.responsible_person = person(responsible_person_id, "responsible_person_id")
    move(complaint, Action.INVESTIGATE, by=by, now=now, note=complaint.cause)
    return complaint


@transaction.atomic
def complaint_propose(
    *,
    by: User,
    complaint_id: int,
    solution: str,
    policy: Policy,
    now: datetime,
    compensation: Decimal | None = None,
) -> Complaint:
    """The solution (within one working day, SRV-5) goes to approval (the general manager;
    compensation by the amount steps of ``[approvals.complaint_solution]``). The person
    complained about may not approve it."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_work(by, complaint)
    allowed(complaint, Action.PROPOSE)
    complaint.solution = clean_text(solution, "solution", required=True)
    if compensation is not None and compensation < 0:
        raise ServiceError(_("赔偿金额不能为负数"), field="compensation")
    complaint.compensation = compensation or None
    move(complaint, Action.PROPOSE, by=by, now=now, note=complaint.solution)
    clock.meet(complaint, [TargetKind.SOLUTION.value], now=now, policy=policy)
    approval_submit(
        kind=APPROVAL_KIND,
        subject=complaint,
        title=deferred("投诉解决方案:%(number)s", number=complaint.number or ""),
        by=by,
        policy=policy,
        now=now,
        amount=complaint.compensation,
        excluded=[complaint.accused_id] if complaint.accused_id else [],
    )
    return complaint


def _decided(request: ApprovalRequest, action: Action) -> None:
    """The approval engine's outcome, at the moment and by the person of its last step."""
    complaint = Complaint.objects.select_for_update().get(pk=request.object_id)
    last = request.steps.exclude(acted_by=None).order_by("-acted_at").first()
    move(
        complaint,
        action,
        by=last.acted_by if last else None,
        now=last.acted_at if last and last.acted_at else timezone.now(),
        note=last.comment if last else "",
    )


def on_solution_approved(request: ApprovalRequest) -> None:
    _decided(request, Action.APPROVED)


def on_solution_refused(request: ApprovalRequest) -> None:
    _decided(request, Action.REFUSED)


@transaction.atomic
def complaint_notify(*, by: User, complaint_id: int, note: str, now: datetime) -> Complaint:
    """The customer was told the approved solution (s003-6 4: 迅速通知客户)."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_work(by, complaint)
    allowed(complaint, Action.NOTIFY)
    move(complaint, Action.NOTIFY, by=by, now=now, note=clean_text(note, "note", required=True))
    return complaint


@transaction.atomic
def complaint_survey(
    *, by: User, complaint_id: int, satisfaction: int, now: datetime, note: str = ""
) -> Complaint:
    """The customer's satisfaction with the outcome, 1 (very unsatisfied) to 5."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_work(by, complaint)
    allowed(complaint, Action.SURVEY)
    if not 1 <= satisfaction <= 5:
        raise ServiceError(_("满意度为 1 到 5"), field="satisfaction")
    complaint.satisfaction = satisfaction
    move(complaint, Action.SURVEY, by=by, now=now, note=clean_text(note, "note", required=False))
    return complaint


@transaction.atomic
def complaint_close(
    *,
    by: User,
    complaint_id: int,
    summary: str,
    corrective: str,
    preventive: str,
    policy: Policy,
    now: datetime,
) -> Complaint:
    """The summary with corrective and preventive action (CAPA), then closed (SRV-4)."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_work(by, complaint)
    allowed(complaint, Action.CLOSE)
    complaint.summary = clean_text(summary, "summary", required=True)
    complaint.corrective = clean_text(corrective, "corrective", required=True)
    complaint.preventive = clean_text(preventive, "preventive", required=True)
    move(complaint, Action.CLOSE, by=by, now=now, note=complaint.summary)
    complaint.closed_at = now
    complaint.save(update_fields=["closed_at"])
    clock.stop_all(complaint, now=now, by=by, policy=policy)
    if complaint.email:
        enqueue("servicedesk.tell_complainant", complaint.pk)  # SRV-9, after commit
    return complaint


@transaction.atomic
def complaint_reopen(
    *, by: User, complaint_id: int, reason: str, policy: Policy, now: datetime
) -> Complaint:
    """A repeat of a closed complaint: a new round with new targets. One that was never
    assigned (dismissed) goes back to be accepted; otherwise to its handler."""
    complaint = locked(by, complaint_id)  # 404 outside the scope, then 403, then the state
    may_manage(by)
    allowed(complaint, Action.REOPEN)
    note = clean_text(reason, "reason", required=True)
    complaint.reopened += 1
    complaint.closed_at = None
    to = State.REGISTERED if complaint.handler_id is None else None
    move(complaint, Action.REOPEN, by=by, now=now, note=note, to=to)
    clock.log(complaint, ClockKind.STARTED, at=now, by=by, note=note)
    kinds = [TargetKind.SOLUTION.value, TargetKind.CLOSURE.value]
    clock.open_targets(complaint, kinds, start=now, policy=policy, now=now)
    return complaint


@transaction.atomic
def complaint_pause(
    *, by: User, complaint_id: int, reason: str, policy: Policy, now: datetime
) -> Complaint:
    """Waiting for the customer: the clock stops until resumed (SRV-5)."""
    complaint = locked(by, complaint_id)
    may_work(by, complaint)
    if complaint.state == State.CLOSED:
        raise ServiceError(_("投诉已结案"), field="state")
    if complaint.paused:
        raise ServiceError(_("计时已暂停"), field="paused")
    note = clean_text(reason, "reason", required=True, limit=200)
    clock.log(complaint, ClockKind.PAUSED, at=now, by=by, note=note)
    record(complaint, "pause", by=by, now=now, note=note, from_state=complaint.state)
    clock.refresh(complaint, policy=policy, now=now)
    return complaint


@transaction.atomic
def complaint_resume(*, by: User, complaint_id: int, policy: Policy, now: datetime) -> Complaint:
    complaint = locked(by, complaint_id)
    may_work(by, complaint)
    if not complaint.paused:
        raise ServiceError(_("计时没有暂停"), field="paused")
    clock.log(complaint, ClockKind.RESUMED, at=now, by=by)
    record(complaint, "resume", by=by, now=now, from_state=complaint.state)
    clock.refresh(complaint, policy=policy, now=now)
    return complaint
