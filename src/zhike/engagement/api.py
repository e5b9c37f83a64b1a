"""/api/v1/follow-ups — follow-ups planned and done (ENG-6), visit reports (ENG-4) and a
follow-up's photos and files."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import AwareDatetime, ConfigDict

from zhike.api.schema import In, PageQuery
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import attachments, report_review, selectors, services
from .errors import NotFound
from .models import Attachment, FollowUp, FollowUpKind

router = Router(tags=["follow-ups"])

WHEN = "ISO 8601 with its time zone, e.g. 2026-12-01T09:30:00+08:00"


class LocationIn(In):
    model_config = ConfigDict(extra="forbid")
    latitude: Decimal = Field(ge=-90, le=90, max_digits=12, decimal_places=8)
    longitude: Decimal = Field(ge=-180, le=180, max_digits=12, decimal_places=8)
    accuracy_m: int = Field(ge=0, le=100_000, description="the Geolocation API's accuracy")
    at: AwareDatetime = Field(description=WHEN)

    def location(self) -> services.Location:
        return services.Location(self.latitude, self.longitude, self.accuracy_m, self.at)


class FollowUpIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: int = Field(ge=1, le=2**63 - 1)
    kind: FollowUpKind
    planned: bool = Field(default=False, description="a plan: occurred_at is its time")
    content: str = Field(max_length=5000, description="what happened; for a plan, its purpose")
    outcome: str = Field(default="", max_length=5000)
    channel: str = Field(default="", max_length=50)
    next_step: str = Field(default="", max_length=200)
    next_at: AwareDatetime | None = Field(default=None, description=WHEN)
    occurred_at: AwareDatetime | None = Field(default=None, description=WHEN)
    location: LocationIn | None = None


class CompleteIn(In):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(default="", max_length=5000)
    outcome: str = Field(default="", max_length=5000)
    next_step: str = Field(default="", max_length=200)
    next_at: AwareDatetime | None = Field(default=None, description=WHEN)
    occurred_at: AwareDatetime | None = Field(default=None, description=WHEN)
    location: LocationIn | None = None


class PromiseIn(In):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=150)
    due_at: AwareDatetime = Field(description=WHEN)


class ReportIn(In):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(max_length=5000)
    promises: list[PromiseIn] = Field(default=[], max_length=20)


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    is_image: bool
    url: str


class FollowUpOut(Schema):
    id: int
    customer_id: int
    kind: str
    kind_label: str
    state: str
    content: str
    outcome: str
    channel: str
    next_step: str
    next_at: datetime | None
    planned_at: datetime | None
    occurred_at: datetime
    located: bool
    by: str
    report: str | None = Field(description="the visit report's summary, once submitted")
    report_review: str = Field(
        default="", description="the supervisor's review: '' none, submitted, reviewed, returned"
    )
    attachments: list[AttachmentOut]


class FollowUpQuery(PageQuery):
    customer_id: int = Field(ge=1, le=2**63 - 1)


def _attachment(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "is_image": a.is_image,
        "url": f"/follow-ups/attachments/{a.pk}/",
    }


def follow_up_out(item: FollowUp, *, with_attachments: bool = True) -> dict:
    report = getattr(item, "report", None)
    return {
        "id": item.pk,
        "customer_id": item.customer_id,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "state": item.state,
        "content": item.content,
        "outcome": item.outcome,
        "channel": item.channel,
        "next_step": item.next_step,
        "next_at": item.next_at,
        "planned_at": item.planned_at,
        "occurred_at": item.occurred_at,
        "located": item.located,
        "by": str(item.by),
        "report": report.summary if report else None,
        "report_review": report.review if report else "",
        "attachments": [_attachment(a) for a in item.attachments.all()] if with_attachments else [],
    }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("", response=list[FollowUpOut], summary="客户的跟进记录(新的在前)")
def list_follow_ups(request: HttpRequest, query: Query[FollowUpQuery]) -> list[dict]:
    items = selectors.timeline(_user(request), query.customer_id)[query.window]
    return [follow_up_out(i) for i in items]


@router.post("", response={201: FollowUpOut}, summary="记录或计划跟进")
def add_follow_up(request: HttpRequest, payload: FollowUpIn) -> Status:
    item = services.follow_up_record(
        by=_user(request),
        customer_id=payload.customer_id,
        kind=payload.kind,
        planned=payload.planned,
        content=payload.content,
        outcome=payload.outcome,
        channel=payload.channel,
        next_step=payload.next_step,
        next_at=payload.next_at,
        occurred_at=payload.occurred_at,
        location=payload.location.location() if payload.location else None,
        now=timezone.now(),
        policy=active_policy(),
    )
    return Status(201, follow_up_out(item, with_attachments=False))


@router.get("/{id:follow_up_id}", response=FollowUpOut, summary="一条跟进记录")
def get_follow_up(request: HttpRequest, follow_up_id: int) -> dict:
    return follow_up_out(selectors.access_follow_up(_user(request), follow_up_id))


@router.post("/{id:follow_up_id}/done", response=FollowUpOut, summary="完成计划的跟进")
def complete_follow_up(request: HttpRequest, follow_up_id: int, payload: CompleteIn) -> dict:
    item = services.follow_up_complete(
        by=_user(request),
        follow_up_id=follow_up_id,
        content=payload.content,
        outcome=payload.outcome,
        next_step=payload.next_step,
        next_at=payload.next_at,
        occurred_at=payload.occurred_at,
        location=payload.location.location() if payload.location else None,
        now=timezone.now(),
        policy=active_policy(),
    )
    return follow_up_out(item, with_attachments=False)


@router.post("/{id:follow_up_id}/cancel", response=FollowUpOut, summary="取消计划的跟进")
def cancel_follow_up(request: HttpRequest, follow_up_id: int) -> dict:
    item = services.follow_up_cancel(
        by=_user(request), follow_up_id=follow_up_id, now=timezone.now()
    )
    return follow_up_out(item, with_attachments=False)


@router.post("/{id:follow_up_id}/report", response={201: FollowUpOut}, summary="提交拜访报告")
def submit_report(request: HttpRequest, follow_up_id: int, payload: ReportIn) -> Status:
    user = _user(request)
    services.visit_report_submit(
        by=user,
        visit_id=follow_up_id,
        summary=payload.summary,
        promises=[services.Promise(p.title, p.due_at) for p in payload.promises],
        now=timezone.now(),
        policy=active_policy(),
    )
    return Status(201, follow_up_out(selectors.access_follow_up(user, follow_up_id)))


class ReviseIn(In):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=5000)


@router.post(
    "/{id:follow_up_id}/report/revise",
    response=FollowUpOut,
    summary="补充被退回的拜访报告并重新提交主管审核",
)
def revise_report(request: HttpRequest, follow_up_id: int, payload: ReviseIn) -> dict:
    user = _user(request)
    item = selectors.access_follow_up(user, follow_up_id)
    report = getattr(item, "report", None)
    if report is None:
        raise NotFound(_("这次拜访还没有报告"))
    report_review.visit_report_revise(
        by=user, report_id=report.pk, summary=payload.summary, policy=active_policy(),
        now=timezone.now(),
    )  # fmt: skip
    return follow_up_out(selectors.access_follow_up(user, follow_up_id))


@router.post(
    "/{id:follow_up_id}/attachments", response={201: AttachmentOut}, summary="上传照片或文件"
)
def add_attachment(
    request: HttpRequest, follow_up_id: int, file: File[UploadedFile], photo: bool = False
) -> Status:
    item = attachments.attachment_add(
        by=_user(request),
        follow_up_id=follow_up_id,
        upload=file,
        policy=active_policy(),
        photo=photo,
    )
    return Status(201, _attachment(item))
