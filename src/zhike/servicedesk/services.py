"""Writes of the complaint register (SRV-1…SRV-5): registration from any channel, the
workflow's moves (checked against :mod:`.transitions`), pause and resume, the major
complaint's meeting and warning report. Each runs in one transaction with the complaint's
row locked, so two people acting at once act one after the other."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import customers_with_phone
from zhike.archive.validators import InvalidIdentifier, clean_phone
from zhike.deferred import deferred, stored_title
from zhike.org.models import Department, User
from zhike.org.scopes import users_in_scope
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.policy.service_schema import SOLUTION_APPROVAL
from zhike.text import has_control_characters
from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import ApprovalRequest, Notice
from zhike.workflow.notify import notify_many

from . import clock
from .errors import PermissionDenied, ServiceError
from .models import Channel, ClockKind, Complaint, ComplaintEvent, Demand, TargetKind
from .selectors import ADD, HANDLE, MANAGE, complaint_for, previous_complaint
from .transitions import Action, NotAllowed, State, next_state

APPROVAL_KIND = SOLUTION_APPROVAL
CONTENT_MAX = 5000
TEXT_MAX = 2000
# Received "in the future" by more than this is a typing error, not a clock skew.
CLOCK_SKEW = timedelta(minutes=5)


def _text(value: str, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写此项"), field=field)
    if len(value) > limit:
        raise ServiceError(_("内容过长(最多 %(n)s 字)") % {"n": limit}, field=field)
    if has_control_characters(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ServiceError(_("不能包含控制字符"), field=field)
    return value


def _priority(customer: Customer | None, policy: Policy) -> int:
    """The customer's complaint priority from the treatment matrix (GRD-10); 9 unknown."""
    from zhike.grading.models import Standing
    from zhike.grading.treatment import treatment_for

    if customer is None:
        return 9
    standing = Standing.objects.filter(customer=customer).first()
    cell = treatment_for(standing, policy)
    return cell.complaint_priority if cell else 9


def _record(
    complaint: Complaint,
    action: str,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    from_state: str = "",
) -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        from_state=from_state,
        to_state=complaint.state,
        by=by,
        at=now,
        note=note,
    )


def _tell(
    recipients: list[User], complaint: Complaint, message: str, *, kind: str, policy: Policy
) -> None:
    seen: set[int] = set()
    notices = []
    for person in recipients:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        notices.append(
            Notice(
                recipient=person,
                kind=kind,
                link=f"/service/complaints/{complaint.pk}/",
                **stored_title(deferred(message, number=complaint.number or "")),
            )
        )
    notify_many(notices, policy=policy)


def _managers(complaint: Complaint, policy: Policy) -> list[User]:
    """The people a major complaint is told to at once (SRV-3, s003-18 2.6: 部门负责人、
    总经理): the roles of the service escalation chain nearest the handling department."""
    chain = policy.escalation.get(policy.service.escalation)
    roles = chain.roles if chain else ["general_manager"]
    people: list[User] = []
    for role in roles:
        people += people_with_role(role, near=complaint.department)
    return people


def _major_reasons(triggers: list[str], *, repeat: bool, policy: Policy) -> list[str]:
    allowed = set(policy.service.major_triggers)
    unknown = [t for t in triggers if t not in allowed or t == "repeat"]
    if unknown:
        raise ServiceError(
            _("未知的重大投诉原因:%(t)s") % {"t": ", ".join(unknown)}, field="triggers"
        )
    reasons = sorted(set(triggers))
    if repeat and "repeat" in allowed:
        reasons.insert(0, "repeat")
    return reasons


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
        phone = clean_phone(_text(phone, "phone", required=False, limit=32))
    except InvalidIdentifier as exc:
        raise ServiceError(str(exc), field="phone") from None
    email = _text(email, "email", required=False, limit=254)
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
    accused = _person(accused_id, "accused_id") if accused_id else None
    previous = previous_complaint(
        customer_id=customer.pk if customer else None,
        phone=phone,
        since=received_at - timedelta(days=policy.service.repeat_days),
    )
    reasons = _major_reasons(
        list(triggers or []),
        repeat=previous is not None and policy.service.repeat_days > 0,
        policy=policy,
    )
    complaint = Complaint.objects.create(
        channel=channel,
        received_at=received_at,
        complainant=_text(complainant, "complainant", required=True, limit=60),
        phone=phone,
        email=email,
        customer=customer,
        reference=_text(reference, "reference", required=False, limit=100),
        content=_text(content, "content", required=True, limit=CONTENT_MAX),
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
    _record(complaint, "register", by=by, now=now)
    clock.log(complaint, ClockKind.STARTED, at=received_at, by=by)
    kinds = [TargetKind.SOLUTION.value, TargetKind.CLOSURE.value]
    if complaint.major:
        kinds.append(TargetKind.WARNING.value)
    clock.open_targets(complaint, kinds, start=received_at, policy=policy, now=now)
    if complaint.major:
        _tell(
            _managers(complaint, policy),
            complaint,
            "重大投诉:%(number)s,请立即召开危机处理会议",
            kind="complaint.major",
            policy=policy,
        )
    return complaint


def _person(user_id: int, field: str) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise ServiceError(_("没有这个员工"), field=field)
    return person


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


def _locked(by: User, complaint_id: int) -> Complaint:
    complaint_for(by, complaint_id)  # 404 outside the caller's scope
    return Complaint.objects.select_for_update().get(pk=complaint_id)


def _move(
    complaint: Complaint,
    action: Action,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    to: State | None = None,
) -> None:
    """Apply ``action`` if the table allows it here (``to``: a different allowed target)."""
    try:
        target = to or next_state(complaint.state, action)
        next_state(complaint.state, action)
    except NotAllowed:
        raise ServiceError(
            _("投诉当前为“%(state)s”,不能%(action)s")
            % {"state": State(complaint.state).label, "action": action.label},
            field="state",
        ) from None
    before = complaint.state
    complaint.state = target
    complaint.save()
    _record(complaint, action, by=by, now=now, note=note, from_state=before)


def _may_manage(by: User) -> None:
    if not by.has_perm(MANAGE):
        raise PermissionDenied(_("您没有受理、分派投诉的权限"))


def _may_work(by: User, complaint: Complaint) -> None:
    """The handler works the complaint; a manager may act for them. The person the
    complaint is about never does (SRV-4)."""
    if complaint.accused_id == by.pk:
        raise PermissionDenied(_("被投诉人不能处理本投诉"))
    if complaint.handler_id != by.pk and not by.has_perm(MANAGE):
        raise PermissionDenied(_("只有处理人或投诉主管可以操作"))


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
    complaint = _locked(by, complaint_id)  # 404 outside the scope before 403
    _may_manage(by)
    _route(complaint, category, policy)
    if accused_id is not None:
        complaint.accused = _person(accused_id, "accused_id")
    became_major = _add_triggers(complaint, list(triggers or []), policy)
    _move(complaint, Action.ACCEPT, by=by, now=now, note=_text(note, "note", required=False))
    clock.recompute(complaint, now=now, by=by, why="accepted", policy=policy)
    if became_major:
        _became_major(complaint, by=by, now=now, policy=policy)
    return complaint


def _add_triggers(complaint: Complaint, triggers: list[str], policy: Policy) -> bool:
    """Add reasons for a major complaint; whether it has just become major."""
    if not triggers:
        return False
    added = _major_reasons(triggers, repeat=False, policy=policy)
    reasons = sorted(set(complaint.major_reasons) | set(added), key=lambda r: r != "repeat")
    was_major = complaint.major
    complaint.major_reasons, complaint.major = reasons, bool(reasons)
    return complaint.major and not was_major


def _became_major(complaint: Complaint, *, by: User | None, now: datetime, policy: Policy) -> None:
    _record(complaint, "major", by=by, now=now, note=", ".join(complaint.major_reasons))
    clock.open_targets(complaint, [TargetKind.WARNING.value], start=now, policy=policy, now=now)
    _tell(
        _managers(complaint, policy),
        complaint,
        "重大投诉:%(number)s,请立即召开危机处理会议",
        kind="complaint.major",
        policy=policy,
    )


@transaction.atomic
def complaint_mark_major(
    *, by: User, complaint_id: int, triggers: list[str], policy: Policy, now: datetime
) -> Complaint:
    """A manager judges a complaint major (s003-18 认为影响面大或性质恶劣), or adds reasons."""
    complaint = _locked(by, complaint_id)  # 404 outside the scope before 403
    _may_manage(by)
    if complaint.state == State.CLOSED:
        raise ServiceError(_("投诉已结案"), field="state")
    if not triggers:
        raise ServiceError(_("请选择重大投诉的原因"), field="triggers")
    became = _add_triggers(complaint, triggers, policy)
    complaint.save(update_fields=["major", "major_reasons"])
    if became:
        _became_major(complaint, by=by, now=now, policy=policy)
    else:
        _record(complaint, "major", by=by, now=now, note=", ".join(complaint.major_reasons))
    return complaint


@transaction.atomic
def complaint_dismiss(
    *, by: User, complaint_id: int, reply: str, policy: Policy, now: datetime
) -> Complaint:
    """Not accepted (the customer's own fault, SRV-4): closed with a reasoned reply."""
    complaint = _locked(by, complaint_id)  # 404 outside the scope before 403
    _may_manage(by)
    complaint.reply = _text(reply, "reply", required=True)
    _move(complaint, Action.DISMISS, by=by, now=now, note=complaint.reply)
    complaint.closed_at = now
    complaint.save(update_fields=["reply", "closed_at"])
    clock.stop_all(complaint, now=now, by=by, policy=policy)
    return complaint


@transaction.atomic
def complaint_assign(
    *, by: User, complaint_id: int, handler_id: int, policy: Policy, now: datetime, note: str = ""
) -> Complaint:
    """Give the complaint to a handler (SRV-4): active, allowed to handle complaints,
    within the assigner's scope, and never the person complained about."""
    complaint = _locked(by, complaint_id)  # 404 outside the scope before 403
    _may_manage(by)
    handler = users_in_scope(by).filter(pk=handler_id).first()
    if handler is None or not handler.has_perm(HANDLE):
        raise ServiceError(_("该员工不能处理投诉"), field="handler_id")
    if handler.pk == complaint.accused_id:
        raise ServiceError(_("被投诉人不能处理本投诉"), field="handler_id")
    complaint.handler = handler
    _move(
        complaint,
        Action.ASSIGN,
        by=by,
        now=now,
        note=_text(note, "note", required=False) or str(handler),
    )
    _tell(
        [handler], complaint, "新投诉待您处理:%(number)s", kind="complaint.assigned", policy=policy
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
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    complaint.cause = _text(cause, "cause", required=True)
    if responsible_department_id is not None:
        department = Department.objects.filter(pk=responsible_department_id).first()
        if department is None:
            raise ServiceError(_("没有这个部门"), field="responsible_department_id")
        complaint.responsible_department = department
    if responsible_person_id is not None:
        complaint.responsible_person = _person(responsible_person_id, "responsible_person_id")
    _move(complaint, Action.INVESTIGATE, by=by, now=now, note=complaint.cause)
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
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    complaint.solution = _text(solution, "solution", required=True)
    if compensation is not None and compensation < 0:
        raise ServiceError(_("赔偿金额不能为负数"), field="compensation")
    complaint.compensation = compensation or None
    _move(complaint, Action.PROPOSE, by=by, now=now, note=complaint.solution)
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
    _move(
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
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    _move(complaint, Action.NOTIFY, by=by, now=now, note=_text(note, "note", required=True))
    return complaint


@transaction.atomic
def complaint_survey(
    *, by: User, complaint_id: int, satisfaction: int, now: datetime, note: str = ""
) -> Complaint:
    """The customer's satisfaction with the outcome, 1 (very unsatisfied) to 5."""
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    if not 1 <= satisfaction <= 5:
        raise ServiceError(_("满意度为 1 到 5"), field="satisfaction")
    complaint.satisfaction = satisfaction
    _move(complaint, Action.SURVEY, by=by, now=now, note=_text(note, "note", required=False))
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
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    complaint.summary = _text(summary, "summary", required=True)
    complaint.corrective = _text(corrective, "corrective", required=True)
    complaint.preventive = _text(preventive, "preventive", required=True)
    _move(complaint, Action.CLOSE, by=by, now=now, note=complaint.summary)
    complaint.closed_at = now
    complaint.save(update_fields=["closed_at"])
    clock.stop_all(complaint, now=now, by=by, policy=policy)
    return complaint


@transaction.atomic
def complaint_reopen(
    *, by: User, complaint_id: int, reason: str, policy: Policy, now: datetime
) -> Complaint:
    """A repeat of a closed complaint: a new round with new targets. One that was never
    assigned (dismissed) goes back to be accepted; otherwise to its handler."""
    complaint = _locked(by, complaint_id)  # 404 outside the scope before 403
    _may_manage(by)
    note = _text(reason, "reason", required=True)
    complaint.reopened += 1
    complaint.closed_at = None
    to = State.REGISTERED if complaint.handler_id is None else None
    _move(complaint, Action.REOPEN, by=by, now=now, note=note, to=to)
    clock.log(complaint, ClockKind.STARTED, at=now, by=by, note=note)
    kinds = [TargetKind.SOLUTION.value, TargetKind.CLOSURE.value]
    clock.open_targets(complaint, kinds, start=now, policy=policy, now=now)
    return complaint


@transaction.atomic
def complaint_pause(
    *, by: User, complaint_id: int, reason: str, policy: Policy, now: datetime
) -> Complaint:
    """Waiting for the customer: the clock stops until resumed (SRV-5)."""
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    if complaint.state == State.CLOSED:
        raise ServiceError(_("投诉已结案"), field="state")
    if complaint.paused:
        raise ServiceError(_("计时已暂停"), field="paused")
    note = _text(reason, "reason", required=True, limit=200)
    clock.log(complaint, ClockKind.PAUSED, at=now, by=by, note=note)
    _record(complaint, "pause", by=by, now=now, note=note, from_state=complaint.state)
    clock.refresh(complaint, policy=policy, now=now)
    return complaint


@transaction.atomic
def complaint_resume(*, by: User, complaint_id: int, policy: Policy, now: datetime) -> Complaint:
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    if not complaint.paused:
        raise ServiceError(_("计时没有暂停"), field="paused")
    clock.log(complaint, ClockKind.RESUMED, at=now, by=by)
    _record(complaint, "resume", by=by, now=now, from_state=complaint.state)
    clock.refresh(complaint, policy=policy, now=now)
    return complaint


@transaction.atomic
def complaint_crisis_meeting(
    *, by: User, complaint_id: int, minutes: str, now: datetime
) -> Complaint:
    """The crisis meeting of a major complaint (s003-18 2.6: 总经理召集危机处理小组开会)."""
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    if not complaint.major:
        raise ServiceError(_("只有重大投诉需要危机处理会议"), field="major")
    complaint.crisis_meeting = _text(minutes, "minutes", required=True, limit=CONTENT_MAX)
    complaint.save(update_fields=["crisis_meeting"])
    _record(complaint, "crisis", by=by, now=now, note=complaint.crisis_meeting)
    return complaint


@transaction.atomic
def complaint_warning_report(
    *, by: User, complaint_id: int, report: str, policy: Policy, now: datetime
) -> Complaint:
    """The major complaint's warning report (s003-18 2.5: 24 小时内预警): meets its target."""
    complaint = _locked(by, complaint_id)
    _may_work(by, complaint)
    if not complaint.major:
        raise ServiceError(_("只有重大投诉需要预警报告"), field="major")
    complaint.warning_report = _text(report, "report", required=True, limit=CONTENT_MAX)
    complaint.save(update_fields=["warning_report"])
    _record(complaint, "warning_report", by=by, now=now, note=complaint.warning_report)
    clock.meet(complaint, [TargetKind.WARNING.value], now=now, policy=policy)
    return complaint
