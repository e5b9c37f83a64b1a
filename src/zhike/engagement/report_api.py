"""/api/v1/reports — ENG-9 written reports: periodic (a 定期汇报 duty) and emergency."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import In
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import reports
from .models import CustomerReport

router = Router(tags=["reports"])


class PeriodicIn(In):
    model_config = ConfigDict(extra="forbid")
    duty_id: int = Field(ge=1, le=2**63 - 1, description="the 定期汇报 item in the inbox")
    body: str = Field(max_length=reports.BODY_MAX)


class EmergencyIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: int = Field(ge=1, le=2**63 - 1)
    body: str = Field(max_length=reports.BODY_MAX)


class ReportOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    customer_id: int | None
    submitted_at: datetime


def _out(report: CustomerReport) -> dict:
    return {
        "id": report.pk,
        "kind": report.kind,
        "subject": report.subject,
        "body": report.body,
        "customer_id": report.customer_id,
        "submitted_at": report.submitted_at,
    }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.post("/periodic", response={201: ReportOut}, summary="提交定期汇报(逐级上报)")
def periodic(request: HttpRequest, payload: PeriodicIn) -> Status:
    report = reports.periodic_report_submit(
        by=_user(request),
        duty_id=payload.duty_id,
        body=payload.body,
        now=timezone.now(),
        policy=active_policy(),
    )
    return Status(201, _out(report))


@router.post("/emergency", response={201: ReportOut}, summary="紧急汇报(同时通知各级)")
def emergency(request: HttpRequest, payload: EmergencyIn) -> Status:
    report = reports.emergency_report(
        by=_user(request),
        customer_id=payload.customer_id,
        body=payload.body,
        now=timezone.now(),
        policy=active_policy(),
    )
    return Status(201, _out(report))
