"""/api/v1/inbox and /api/v1/approvals (NTF-1, APR-1)."""

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import In, PageQuery
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import selectors
from .approvals import approval_act, approval_resubmit
from .models import ApprovalRequest, ApprovalStep, Deadline, Notice
from .notices import notice_mark_read, notices_mark_all_read
from .todos import todo_add, todo_done

inbox_router = Router(tags=["inbox"])
approvals_router = Router(tags=["approvals"])


class DeadlineOut(Schema):
    id: int
    title: str
    link: str
    due_at: datetime
    escalation_level: int
    beyond_calendar_data: bool
    personal: bool = Field(description="a personal to-do (closes by hand); else a rule's item")


class WaitingOut(Schema):
    request_id: int
    title: str
    step: str
    requester: str
    submitted_at: datetime
    link: str


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class Counts(Schema):
    overdue: int
    due: int
    approvals: int
    unread: int


class InboxOut(Schema):
    counts: Counts
    overdue: list[DeadlineOut]
    due: list[DeadlineOut]
    approvals: list[WaitingOut]
    notices: list[NoticeOut]


def _deadline(d: Deadline) -> dict:
    return {
        "id": d.pk,
        "title": d.display_title,
        "link": d.link,
        "due_at": d.due_at,
        "escalation_level": d.escalation_level,
        "beyond_calendar_data": d.beyond_calendar_data,
        "personal": d.is_personal,
    }


def _waiting(step: ApprovalStep) -> dict:
    r = step.request
    return {
        "request_id": r.pk,
        "title": r.display_title,
        "step": step.label,
        "requester": str(r.requester),
        "submitted_at": r.created_at,
        "link": f"/approvals/{r.pk}/",
    }


def _notice(n: Notice) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.display_title,
        "body": n.display_body,
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@inbox_router.get("", response=InboxOut, summary="我的待办")
def inbox(request: HttpRequest) -> dict:
    user: User = request.user  # type: ignore[assignment]
    box = selectors.inbox_for(user, now=timezone.now())
    return {
        "counts": {
            "overdue": len(box.overdue),
            "due": len(box.due),
            "approvals": len(box.approvals),
            "unread": box.unread_count,
        },
        "overdue": [_deadline(d) for d in box.overdue],
        "due": [_deadline(d) for d in box.due],
        "approvals": [_waiting(s) for s in box.approvals],
        "notices": [_notice(n) for n in box.notices],
    }


@inbox_router.get("/notices", response=list[NoticeOut], summary="我的通知(全部,新的在前)")
def list_notices(request: HttpRequest, page: Query[PageQuery]) -> list[dict]:
    user: User = request.user  # type: ignore[assignment]
    rows = selectors.notices_of(user)[page.window]
    return [_notice(n) for n in rows]


@inbox_router.post("/notices/{id:notice_id}/read", response=NoticeOut, summary="标记已读")
def mark_read(request: HttpRequest, notice_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    notice = notice_mark_read(user=user, notice_id=notice_id, now=timezone.now())
    if notice is None:
        raise Http404
    return _notice(notice)


class MarkedOut(Schema):
    marked: int


@inbox_router.post("/notices/read-all", response=MarkedOut, summary="全部已读")
def mark_all_read(request: HttpRequest) -> dict:
    user: User = request.user  # type: ignore[assignment]
    return {"marked": notices_mark_all_read(user=user, now=timezone.now())}


class TodoIn(In):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200, description="待办事项")
    due_at: datetime = Field(description="到期时间(带时区,如 2026-12-01T18:00:00+08:00)")


@inbox_router.post("/todos", response={201: DeadlineOut}, summary="新建个人待办")
def add_todo(request: HttpRequest, payload: TodoIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    todo = todo_add(
        by=user,
        title=payload.title,
        due_at=payload.due_at,
        now=timezone.now(),
        policy=active_policy(),
    )
    return Status(201, _deadline(todo))


@inbox_router.post(
    "/todos/{id:todo_id}/done",
    response=DeadlineOut,
    summary="完成个人待办(规则产生的事项须办理相应业务)",
)
def finish_todo(request: HttpRequest, todo_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    return _deadline(todo_done(by=user, todo_id=todo_id, now=timezone.now()))


class StepOut(Schema):
    round: int
    position: int
    label: str
    state: str
    candidates: list[str]
    acted_by: str | None
    on_behalf_of: str | None
    comment: str
    acted_at: datetime | None


class ApprovalOut(Schema):
    id: int
    kind: str
    title: str
    state: str
    state_label: str
    requester: str
    amount: str | None
    round: int
    policy_version: str
    created_at: datetime
    decided_at: datetime | None
    steps: list[StepOut]


def approval_out(r: ApprovalRequest) -> dict:
    steps = r.steps.prefetch_related("candidates").select_related("acted_by", "on_behalf_of")
    return {
        "id": r.pk,
        "kind": r.kind,
        "title": r.display_title,
        "state": r.state,
        "state_label": str(r.get_state_display()),
        "requester": str(r.requester),
        "amount": None if r.amount is None else str(r.amount),
        "round": r.round,
        "policy_version": r.policy_version,
        "created_at": r.created_at,
        "decided_at": r.decided_at,
        "steps": [
            {
                "round": s.round,
                "position": s.position,
                "label": s.label,
                "state": s.state,
                "candidates": [str(u) for u in s.candidates.all()],
                "acted_by": str(s.acted_by) if s.acted_by else None,
                "on_behalf_of": str(s.on_behalf_of) if s.on_behalf_of else None,
                "comment": s.comment,
                "acted_at": s.acted_at,
            }
            for s in steps
        ],
    }


class ApprovalListFilters(In):
    box: Literal["waiting", "submitted", "history"] = "waiting"
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class ApprovalListItem(Schema):
    id: int
    title: str
    state: str
    requester: str
    created_at: datetime


@approvals_router.get("", response=list[ApprovalListItem], summary="审批列表")
def list_approvals(request: HttpRequest, filters: Query[ApprovalListFilters]) -> list[dict]:
    user: User = request.user  # type: ignore[assignment]
    window = slice(filters.offset, filters.offset + filters.limit)
    if filters.box == "waiting":
        requests = [
            s.request for s in selectors.steps_waiting_for(user, now=timezone.now())[window]
        ]
    elif filters.box == "submitted":
        requests = list(selectors.approvals_submitted_by(user).select_related("requester")[window])
    else:
        requests = list(selectors.approvals_decided_by(user)[window])
    return [
        {
            "id": r.pk,
            "title": r.display_title,
            "state": r.state,
            "requester": str(r.requester),
            "created_at": r.created_at,
        }
        for r in requests
    ]


def _access(user: User, request_id: int) -> ApprovalRequest:
    try:
        return selectors.access_approval(user, request_id, now=timezone.now())
    except ApprovalRequest.DoesNotExist:
        raise Http404 from None


@approvals_router.get("/{id:request_id}", response=ApprovalOut, summary="审批详情")
def get_approval(request: HttpRequest, request_id: int) -> dict:
    return approval_out(_access(request.user, request_id))  # type: ignore[arg-type]


class ActIn(In):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "reject", "return"]
    comment: str = Field(default="", max_length=2000)


@approvals_router.post("/{id:request_id}/act", response=ApprovalOut, summary="审批操作")
def act(request: HttpRequest, request_id: int, payload: ActIn) -> dict:
    user: User = request.user  # type: ignore[assignment]
    _access(user, request_id)
    approval_act(
        request_id=request_id,
        by=user,
        action=payload.action,
        comment=payload.comment,
        policy=active_policy(),
        now=timezone.now(),
    )
    return approval_out(_access(user, request_id))


@approvals_router.post("/{id:request_id}/resubmit", response=ApprovalOut, summary="重新提交")
def resubmit(request: HttpRequest, request_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    _access(user, request_id)
    approval_resubmit(request_id=request_id, by=user, policy=active_policy(), now=timezone.now())
    return approval_out(_access(user, request_id))
