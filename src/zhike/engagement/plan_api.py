"""/api/v1/visit-plans — next month's visit plan (ENG-3): save, submit, plan against actual."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import In
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import plans
from .models import VisitPlan

router = Router(tags=["visit-plans"])


class LineIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: int = Field(ge=1, le=2**63 - 1)
    planned_on: date
    purpose: str = Field(max_length=200)
    target: str = Field(default="", max_length=200)
    items: str = Field(default="", max_length=200)
    expense: Decimal = Field(default=Decimal(0), ge=0, max_digits=10, decimal_places=2)


class PlanIn(In):
    model_config = ConfigDict(extra="forbid")
    month: date = Field(description="the month's first day, e.g. 2027-01-01")
    lines: list[LineIn] = Field(max_length=plans.MAX_LINES)
    note: str = Field(default="", max_length=1000)


class LineOut(Schema):
    customer_id: int
    planned_on: date
    purpose: str
    target: str
    items: str
    expense: Decimal
    follow_up_id: int | None


class PlanOut(Schema):
    id: int
    month: date
    state: str
    note: str
    submitted_at: datetime | None
    lines: list[LineOut]


class MonthQuery(In):
    model_config = ConfigDict(extra="forbid")
    month: date


class AgainstOut(Schema):
    user_id: int
    name: str
    state: str
    planned: int
    done: int
    visits: int


def _out(plan: VisitPlan) -> dict:
    return {
        "id": plan.pk,
        "month": plan.month,
        "state": plan.state,
        "note": plan.note,
        "submitted_at": plan.submitted_at,
        "lines": [
            {
                "customer_id": line.customer_id,
                "planned_on": line.planned_on,
                "purpose": line.purpose,
                "target": line.target,
                "items": line.items,
                "expense": line.expense,
                "follow_up_id": line.follow_up_id,
            }
            for line in plan.lines.all()
        ],
    }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("", response=list[PlanOut], summary="我的拜访计划")
def my_plans(request: HttpRequest) -> list[dict]:
    rows = VisitPlan.objects.filter(owner=_user(request)).prefetch_related("lines")
    return [_out(p) for p in rows.order_by("-month")[:24]]


@router.post("", response={201: PlanOut}, summary="保存某月拜访计划(草稿)")
def save_plan(request: HttpRequest, payload: PlanIn) -> Status:
    plan = plans.visit_plan_save(
        by=_user(request),
        month=payload.month,
        note=payload.note,
        lines=[plans.PlanLine(**line.model_dump()) for line in payload.lines],
        now=timezone.now(),
    )
    return Status(201, _out(plan))


@router.post("/{id:plan_id}/submit", response=PlanOut, summary="提交拜访计划审核")
def submit_plan(request: HttpRequest, plan_id: int) -> dict:
    plan = plans.visit_plan_submit(
        by=_user(request), plan_id=plan_id, now=timezone.now(), policy=active_policy()
    )
    return _out(plan)


@router.get("/against-actual", response=list[AgainstOut], summary="计划与实际(数据范围内)")
def against_actual(request: HttpRequest, query: Query[MonthQuery]) -> list[dict]:
    month = query.month.replace(day=1)
    return [
        {
            "user_id": r.user_id,
            "name": r.name,
            "state": r.state,
            "planned": r.planned,
            "done": r.done,
            "visits": r.visits,
        }
        for r in plans.plan_against_actual(_user(request), month=month)
    ]
