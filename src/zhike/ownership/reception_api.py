"""/api/v1/ownership/reception — the front desk's rotation (OWN-5): today's duty order,
each person's state, and the walk-in register."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In
from zhike.org.models import User

from . import reception
from .errors import PermissionDenied
from .models import Duty, DutyStatus, Walkin

router = Router(tags=["ownership"])


class DeskQuery(In):
    model_config = ConfigDict(extra="forbid")
    department_id: Id


class DutyOut(Schema):
    id: int
    user_id: int
    user: str
    position: int
    status: str
    taken: int


class WalkinOut(Schema):
    id: int
    at: datetime
    visitor: str
    received_by_id: int
    received_by: str
    reason: str
    reason_label: str
    customer_id: int | None


class BoardOut(Schema):
    duties: list[DutyOut]
    walkins: list[WalkinOut]


class RosterIn(In):
    model_config = ConfigDict(extra="forbid")
    department_id: Id
    user_ids: list[Id] = Field(max_length=200, description="today's order, first to last")


class StatusIn(In):
    model_config = ConfigDict(extra="forbid")
    duty_id: Id
    status: DutyStatus


class WalkinIn(In):
    model_config = ConfigDict(extra="forbid")
    department_id: Id
    visitor: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32)
    asked_for_id: Id | None = Field(default=None, description="the salesperson asked for")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _duty(d: Duty) -> dict:
    return {
        "id": d.pk,
        "user_id": d.user_id,
        "user": str(d.user),
        "position": d.position,
        "status": d.status,
        "taken": d.taken,
    }


def _walkin(w: Walkin) -> dict:
    return {
        "id": w.pk,
        "at": w.at,
        "visitor": w.visitor,
        "received_by_id": w.received_by_id,
        "received_by": str(w.received_by),
        "reason": w.reason,
        "reason_label": str(w.get_reason_display()),
        "customer_id": w.customer_id,
    }


@router.get("/board", response=BoardOut, summary="前台接待:今日轮值与来访")
def board(request: HttpRequest, query: Query[DeskQuery]) -> dict:
    user, today = _user(request), timezone.localdate()
    if query.department_id not in {d.pk for d in reception.desks_of(user)}:
        raise PermissionDenied(_("您不负责该部门的前台接待"))
    return {
        "duties": [_duty(d) for d in reception.duties_of(query.department_id, today)],
        "walkins": [_walkin(w) for w in reception.walkins_of(query.department_id, today)[:200]],
    }


@router.put("/duties", response=list[DutyOut], summary="安排今日接待值班(按顺序)")
def set_duties(request: HttpRequest, payload: RosterIn) -> list[dict]:
    duties = reception.duty_set(
        by=_user(request),
        department_id=payload.department_id,
        day=timezone.localdate(),
        user_ids=payload.user_ids,
    )
    return [
        _duty(d)
        for d in reception.duties_of(payload.department_id, timezone.localdate())
        if d.pk in {x.pk for x in duties}
    ]


@router.post("/status", response=DutyOut, summary="更改值班状态(空闲、接待中、不在)")
def set_status(request: HttpRequest, payload: StatusIn) -> dict:
    duty = reception.duty_status_set(
        by=_user(request), duty_id=payload.duty_id, status=payload.status
    )
    return _duty(Duty.objects.select_related("user").get(pk=duty.pk))


@router.post("/walkins", response={201: WalkinOut}, summary="来访登记并分配接待人")
def register_walkin(request: HttpRequest, payload: WalkinIn) -> Status:
    received = reception.walkin_register(
        by=_user(request),
        department_id=payload.department_id,
        visitor=payload.visitor,
        phone=payload.phone,
        asked_for_id=payload.asked_for_id,
        now=timezone.now(),
    )
    return Status(201, _walkin(received.walkin))
