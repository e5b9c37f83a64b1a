"""/api/v1/service — the complaint register (SRV-1…SRV-5, SRV-10): the queue, intake,
each workflow action, the clock; and the public intake and status lookup (no sign-in,
throttled per address). Every read goes through the caller's scope; a complaint outside
it is a 404, as a missing one is."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In, PageQuery
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import major, product, public, selectors, services
from .errors import ComplaintNotFound
from .models import Channel, Complaint, Demand, ProductOutcome
from .transitions import State, actions_from

router = Router(tags=["service"])
public_router = Router(tags=["service"])

TEXT = Field(min_length=1, max_length=2000)
Trigger = Literal["manufacturer", "regulator", "disturbance", "return_exchange", "media", "judged"]


class ComplaintOut(Schema):
    id: int
    number: str
    channel: str
    received_at: datetime
    complainant: str
    phone: str = Field(description="masked unless the caller handles or registered it")
    customer_id: int | None
    customer: str | None
    category: str
    team: str
    department_id: int | None
    major: bool
    major_reasons: list[str]
    state: str
    state_label: str
    priority: int
    due_at: datetime | None
    paused: bool
    handler_id: int | None
    handler: str | None


class TargetOut(Schema):
    kind: str
    round: int
    due_at: datetime
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    by: str | None = Field(description="empty: it arrived by itself, or a rule did it")
    at: datetime
    note: str


class DetailOut(ComplaintOut):
    email: str
    reference: str
    content: str
    demand: str
    accused_id: int | None
    cause: str
    solution: str
    compensation: Decimal | None
    satisfaction: int | None
    reply: str
    summary: str
    corrective: str
    preventive: str
    actions: list[str] = Field(description="what may be done next")
    targets: list[TargetOut]
    events: list[EventOut]


class QueueQuery(PageQuery):
    team: str = Field(default="", max_length=30, pattern=r"^$|^[a-z][a-z0-9_]{0,29}$")
    mine: bool = False
    closed: bool = Field(default=False, description="include closed complaints")
    number: str = Field(default="", max_length=24)


class RegisterIn(In):
    model_config = ConfigDict(extra="forbid")
    channel: Channel
    complainant: str = Field(min_length=1, max_length=60)
    content: str = Field(min_length=1, max_length=services.CONTENT_MAX)
    demand: Demand
    received_at: datetime | None = None
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)
    reference: str = Field(default="", max_length=100)
    customer_id: Id | None = None
    category: str = Field(default="", max_length=30)
    accused_id: Id | None = None
    triggers: list[Trigger] = Field(default=[], max_length=7)


class AcceptIn(In):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=30)
    triggers: list[Trigger] = Field(default=[], max_length=7)
    accused_id: Id | None = None
    note: str = Field(default="", max_length=2000)


class ReplyIn(In):
    model_config = ConfigDict(extra="forbid")
    reply: str = TEXT


class AssignIn(In):
    model_config = ConfigDict(extra="forbid")
    handler_id: Id
    note: str = Field(default="", max_length=2000)


class InvestigateIn(In):
    model_config = ConfigDict(extra="forbid")
    cause: str = TEXT
    responsible_department_id: Id | None = None
    responsible_person_id: Id | None = None


class ProposeIn(In):
    model_config = ConfigDict(extra="forbid")
    solution: str = TEXT
    compensation: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class NoteIn(In):
    model_config = ConfigDict(extra="forbid")
    note: str = TEXT


class SurveyIn(In):
    model_config = ConfigDict(extra="forbid")
    satisfaction: int = Field(ge=1, le=5, description="1 very unsatisfied … 5 very satisfied")
    note: str = Field(default="", max_length=2000)


class CloseIn(In):
    model_config = ConfigDict(extra="forbid")
    summary: str = TEXT
    corrective: str = TEXT
    preventive: str = TEXT


class ReasonIn(In):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)


class MajorIn(In):
    model_config = ConfigDict(extra="forbid")
    triggers: list[Trigger] = Field(min_length=1, max_length=7)


class ReportIn(In):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=services.CONTENT_MAX)


class ProductIn(In):
    model_config = ConfigDict(extra="forbid")
    outcome: ProductOutcome
    opinion: str = TEXT
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)


class ProductOut(Schema):
    number: str
    outcome: str
    opinion: str
    amount: Decimal | None
    issued_at: datetime


class PublicIn(In):
    model_config = ConfigDict(extra="forbid")
    complainant: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=32)
    content: str = Field(min_length=1, max_length=services.CONTENT_MAX)
    demand: Demand
    email: str = Field(default="", max_length=254)
    reference: str = Field(default="", max_length=100)


class PublicNumberOut(Schema):
    number: str


class StatusQuery(In):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=24)
    phone: str = Field(min_length=1, max_length=32)


class PublicStatusOut(Schema):
    number: str
    state: str
    state_label: str
    received_at: datetime
    closed_at: datetime | None
    reply: str = Field(description="the outcome, once closed")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _row(user: User, c: Complaint) -> dict:
    return {
        "id": c.pk,
        "number": c.number or "",
        "channel": c.channel,
        "received_at": c.received_at,
        "complainant": c.complainant,
        "phone": selectors.phone_for(user, c),
        "customer_id": c.customer_id,
        "customer": c.customer.name if c.customer else None,
        "category": c.category,
        "team": c.team,
        "department_id": c.department_id,
        "major": c.major,
        "major_reasons": c.major_reasons,
        "state": c.state,
        "state_label": str(State(c.state).label),
        "priority": c.priority,
        "due_at": c.due_at,
        "paused": c.paused,
        "handler_id": c.handler_id,
        "handler": str(c.handler) if c.handler_id else None,
    }


def _detail(user: User, complaint_id: int) -> dict:
    c = selectors.complaint_for(user, complaint_id)
    return {
        **_row(user, c),
        "email": c.email,
        "reference": c.reference,
        "content": c.content,
        "demand": c.demand,
        "accused_id": c.accused_id,
        "cause": c.cause,
        "solution": c.solution,
        "compensation": c.compensation,
        "satisfaction": c.satisfaction,
        "reply": c.reply,
        "summary": c.summary,
        "corrective": c.corrective,
        "preventive": c.preventive,
        "actions": [a.value for a in actions_from(c.state)],
        "targets": list(
            selectors.targets_of(c).values(
                "kind", "round", "due_at", "warn_at", "met_at", "breached_at"
            )
        ),
        "events": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "by": str(e.by) if e.by_id else None,
                "at": e.at,
                "note": e.note,
            }
            for e in selectors.history_of(c)
        ],
    }


def _done(request: HttpRequest, complaint: Complaint) -> dict:
    return _detail(_user(request), complaint.pk)


@router.get(
    "/complaints", response=list[ComplaintOut], summary="投诉队列(重大在前,再按客户优先级、期限)"
)
def list_complaints(request: HttpRequest, query: Query[QueueQuery]) -> list[dict]:
    user = _user(request)
    items = selectors.queue(user, team=query.team, mine=query.mine, include_closed=query.closed)
    if query.number:
        items = items.filter(number=query.number.strip().upper())
    return [_row(user, c) for c in items[query.window]]


@router.post("/complaints", response={201: DetailOut}, summary="登记投诉")
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    complaint = services.complaint_register(
        by=_user(request), policy=active_policy(), now=timezone.now(), **payload.dict()
    )
    return Status(201, _done(request, complaint))


@router.get("/complaints/{id:complaint_id}", response=DetailOut, summary="投诉详情、时限与处理记录")
def detail(request: HttpRequest, complaint_id: int) -> dict:
    return _detail(_user(request), complaint_id)


def _act(
    request: HttpRequest, function: Callable[..., Complaint], complaint_id: int, **values: Any
) -> dict:
    """Run a workflow service on the complaint as the caller, now; answer its new detail."""
    complaint = function(by=_user(request), complaint_id=complaint_id, now=timezone.now(), **values)
    return _done(request, complaint)


@router.post("/complaints/{id:complaint_id}/accept", response=DetailOut, summary="受理并分类")
def accept(request: HttpRequest, complaint_id: int, payload: AcceptIn) -> dict:
    return _act(
        request, services.complaint_accept, complaint_id, policy=active_policy(), **payload.dict()
    )


@router.post("/complaints/{id:complaint_id}/dismiss", response=DetailOut, summary="不予受理并答复")
def dismiss(request: HttpRequest, complaint_id: int, payload: ReplyIn) -> dict:
    return _act(
        request,
        services.complaint_dismiss,
        complaint_id,
        policy=active_policy(),
        reply=payload.reply,
    )


@router.post("/complaints/{id:complaint_id}/assign", response=DetailOut, summary="分派处理人")
def assign(request: HttpRequest, complaint_id: int, payload: AssignIn) -> dict:
    return _act(
        request, services.complaint_assign, complaint_id, policy=active_policy(), **payload.dict()
    )


@router.post(
    "/complaints/{id:complaint_id}/investigate", response=DetailOut, summary="查明原因与责任"
)
def investigate(request: HttpRequest, complaint_id: int, payload: InvestigateIn) -> dict:
    return _act(
        request,
        services.complaint_investigate,
        complaint_id,
        policy=active_policy(),
        **payload.dict(),
    )


@router.post(
    "/complaints/{id:complaint_id}/propose", response=DetailOut, summary="提出解决方案(提交审批)"
)
def propose(request: HttpRequest, complaint_id: int, payload: ProposeIn) -> dict:
    return _act(
        request, services.complaint_propose, complaint_id, policy=active_policy(), **payload.dict()
    )


@router.post("/complaints/{id:complaint_id}/notify", response=DetailOut, summary="已告知客户")
def notify(request: HttpRequest, complaint_id: int, payload: NoteIn) -> dict:
    return _act(request, services.complaint_notify, complaint_id, note=payload.note)


@router.post("/complaints/{id:complaint_id}/survey", response=DetailOut, summary="满意度回访")
def survey(request: HttpRequest, complaint_id: int, payload: SurveyIn) -> dict:
    return _act(request, services.complaint_survey, complaint_id, **payload.dict())


@router.post(
    "/complaints/{id:complaint_id}/close", response=DetailOut, summary="总结与纠正预防措施,结案"
)
def close(request: HttpRequest, complaint_id: int, payload: CloseIn) -> dict:
    return _act(
        request, services.complaint_close, complaint_id, policy=active_policy(), **payload.dict()
    )


@router.post(
    "/complaints/{id:complaint_id}/reopen", response=DetailOut, summary="重新处理(重复投诉)"
)
def reopen(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> dict:
    return _act(
        request,
        services.complaint_reopen,
        complaint_id,
        policy=active_policy(),
        reason=payload.reason,
    )


@router.post(
    "/complaints/{id:complaint_id}/pause", response=DetailOut, summary="暂停计时(等待客户)"
)
def pause(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> dict:
    return _act(
        request,
        services.complaint_pause,
        complaint_id,
        policy=active_policy(),
        reason=payload.reason,
    )


@router.post("/complaints/{id:complaint_id}/resume", response=DetailOut, summary="恢复计时")
def resume(request: HttpRequest, complaint_id: int) -> dict:
    return _act(request, services.complaint_resume, complaint_id, policy=active_policy())


@router.post("/complaints/{id:complaint_id}/major", response=DetailOut, summary="定为重大投诉")
def mark_major(request: HttpRequest, complaint_id: int, payload: MajorIn) -> dict:
    return _act(
        request,
        major.complaint_mark_major,
        complaint_id,
        policy=active_policy(),
        triggers=list(payload.triggers),
    )


@router.post(
    "/complaints/{id:complaint_id}/crisis-meeting", response=DetailOut, summary="危机处理会议纪要"
)
def crisis_meeting(request: HttpRequest, complaint_id: int, payload: ReportIn) -> dict:
    return _act(request, major.complaint_crisis_meeting, complaint_id, minutes=payload.text)


@router.post(
    "/complaints/{id:complaint_id}/warning-report", response=DetailOut, summary="重大投诉预警报告"
)
def warning_report(request: HttpRequest, complaint_id: int, payload: ReportIn) -> dict:
    return _act(
        request,
        major.complaint_warning_report,
        complaint_id,
        policy=active_policy(),
        report=payload.text,
    )


@router.post(
    "/complaints/{id:complaint_id}/product-decision",
    response={201: ProductOut},
    summary="出具顾客退货处理报告或赔偿告知单(产品原因投诉)",
)
def product_decision(request: HttpRequest, complaint_id: int, payload: ProductIn) -> Status:
    decision = product.product_decide(
        by=_user(request),
        complaint_id=complaint_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.dict(),
    )
    return Status(
        201,
        {
            "number": decision.number,
            "outcome": decision.outcome,
            "opinion": decision.opinion,
            "amount": decision.amount,
            "issued_at": decision.issued_at,
        },
    )


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@public_router.post(
    "/complaints", auth=None, response={201: PublicNumberOut}, summary="网上投诉(无需登录)"
)
def public_register(request: HttpRequest, payload: PublicIn) -> Status:
    complaint = public.public_complaint(
        address=_address(request), policy=active_policy(), now=timezone.now(), **payload.dict()
    )
    return Status(201, {"number": complaint.number})


@public_router.get(
    "/status", auth=None, response=PublicStatusOut, summary="凭投诉编号和电话查询处理进度"
)
def public_lookup(request: HttpRequest, query: Query[StatusQuery]) -> dict:
    found = public.public_lookup(address=_address(request), number=query.number, phone=query.phone)
    if found is None:
        raise ComplaintNotFound()
    return found.__dict__
