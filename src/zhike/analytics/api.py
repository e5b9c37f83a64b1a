"""/api/v1/analytics — the dashboards and every registered report as JSON (what the
pages' charts are drawn from) and as xlsx; the sales targets. Scoped: each answer holds
only the caller's data scope; a filter naming a department or person outside it is a 400."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from zhike.api.schema import Id, In
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import dashboards, exporting, selectors, services
from .registry import reports_for

router = Router(tags=["analytics"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = r"^\d{4}-\d{2}$"


class ReportFilterQuery(In):
    model_config = ConfigDict(extra="forbid")
    start: str | None = Field(default=None, pattern=MONTH, description="首月 YYYY-MM")
    end: str | None = Field(default=None, pattern=MONTH, description="末月 YYYY-MM(含)")
    grain: str | None = Field(default=None, pattern=r"^(month|quarter|year)$")
    department: Id | None = None
    owner: Id | None = None
    grade: str | None = Field(default=None, max_length=10)
    category: str | None = Field(default=None, max_length=50)
    province: str | None = Field(default=None, max_length=20)
    by: str | None = Field(default=None, max_length=20, description="报表自己的维度")
    review: str | None = Field(default=None, max_length=18, description="等级迁移的评审编号")


class ChartSeriesOut(Schema):
    name: str
    data: list[float | None]
    kind: str
    unit: str


class ChartOut(Schema):
    kind: str
    categories: list[str]
    series: list[ChartSeriesOut]
    unit: str
    stacked: bool


class ReportResultOut(Schema):
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: ChartOut | None
    notes: list[str]
    links: list[str | None]


class ReportInfoOut(Schema):
    key: str
    title: str
    section: str
    spec: str


class DashboardFigureOut(Schema):
    label: str
    value: Any
    unit: str
    link: str | None
    note: str


class DashboardCardOut(Schema):
    key: str
    title: str
    figures: list[DashboardFigureOut]
    chart: ChartOut | None
    link: str | None


class DashboardOut(Schema):
    role: str
    title: str
    refreshed_at: Any
    cards: list[DashboardCardOut]


class DashboardQuery(In):
    model_config = ConfigDict(extra="forbid")
    view: str | None = Field(default=None, pattern=r"^(sales|manager|gm)$")


class SalesTargetIn(In):
    model_config = ConfigDict(extra="forbid")
    owner_id: Id
    month: str = Field(pattern=MONTH)
    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2)


class SalesTargetOut(Schema):
    owner_id: int
    owner: str
    month: date
    amount: Decimal


class SalesTargetQuery(In):
    model_config = ConfigDict(extra="forbid")
    month: str | None = Field(default=None, pattern=MONTH)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _params(query: ReportFilterQuery) -> dict[str, str]:
    return {k: str(v) for k, v in query.model_dump().items() if v is not None}


def _month(value: str | None) -> date:
    if not value:
        return timezone.localdate().replace(day=1)
    year, month = value.split("-")
    if not 1 <= int(month) <= 12:
        from .errors import AnalyticsError

        raise AnalyticsError("月份格式应为 YYYY-MM,例如 2026-03", field="month")
    return date(int(year), int(month), 1)


@router.get("/dashboard", response=DashboardOut, summary="按角色的经营看板(销售/经理/总经理)")
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict:
    user = _user(request)
    board = dashboards.dashboard(
        user, policy=active_policy(), today=timezone.localdate(), role=query.view
    )
    return board.as_json()


@router.get("/reports", response=list[ReportInfoOut], summary="可查看的报表")
def reports(request: HttpRequest) -> list[dict]:
    return [
        {"key": r.key, "title": str(r.title), "section": str(r.section), "spec": r.spec}
        for r in reports_for(_user(request))
    ]


@router.get("/reports/{key}", response=ReportResultOut, summary="报表数据(表格与图表)")
def report(request: HttpRequest, key: str, query: Query[ReportFilterQuery]) -> dict:
    _report, _filters, result = selectors.run_report(
        _user(request), key, _params(query), policy=active_policy(), today=timezone.localdate()
    )
    return result.as_json()


@router.get(
    "/reports/{key}/xlsx",
    summary="报表导出 Excel(与页面相同的数字)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "xlsx", "content": {XLSX: {}}}}},
)
def report_xlsx(request: HttpRequest, key: str, query: Query[ReportFilterQuery]) -> HttpResponse:
    report_, _filters, result = selectors.run_report(
        _user(request), key, _params(query), policy=active_policy(), today=timezone.localdate()
    )
    buffer = io.BytesIO()
    exporting.write_xlsx(result, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_.key}.xlsx"'
    return response


@router.get("/targets", response=list[SalesTargetOut], summary="销售目标(本人及数据范围内的人员)")
def targets(request: HttpRequest, query: Query[SalesTargetQuery]) -> list[dict]:
    return [
        {"owner_id": t.owner_id, "owner": str(t.owner), "month": t.month, "amount": t.amount}
        for t in selectors.targets_for(_user(request), _month(query.month)).order_by("owner_id")[
            :1000
        ]
    ]


@router.put("/targets", response=SalesTargetOut, summary="设定销售目标(上级为下属设定)")
def set_target(request: HttpRequest, payload: SalesTargetIn) -> dict:
    target = services.target_set(
        by=_user(request),
        owner_id=payload.owner_id,
        month=_month(payload.month),
        amount=payload.amount,
    )
    return {
        "owner_id": target.owner_id,
        "owner": str(target.owner),
        "month": target.month,
        "amount": target.amount,
    }
