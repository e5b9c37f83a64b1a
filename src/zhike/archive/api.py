"""/api/v1/customers — the archive over HTTP. Calls selectors and services only."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import selectors, services
from .models import Customer, CustomerStatus

router = Router(tags=["customers"])


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    status: CustomerStatus
    status_label: str
    phone: str
    owner_id: int | None
    owner_name: str | None
    department_id: int | None
    department_name: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerPageOut(Schema):
    count: int
    items: list[CustomerOut]


class CustomerIn(Schema):
    """Owner, department, code and created_by are decided by the system: sending them is
    an error (400), not silently ignored."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    status: CustomerStatus = CustomerStatus.POTENTIAL
    phone: str = Field(default="", max_length=32)


class CustomerPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: CustomerStatus | None = None
    phone: str | None = Field(default=None, max_length=32)


class CustomerFilters(Schema):
    q: str = Field(default="", max_length=100, description="名称片段、编码或电话后四位")
    status: CustomerStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def customer_out(customer: Customer, user: User) -> dict:
    """The API form of a customer from :func:`selectors.with_display_names` rows."""
    phone = customer.phone
    if not selectors.can_see_full_phone(user, customer):
        phone = selectors.mask_phone(phone)
    return {
        "id": customer.pk,
        "code": customer.code,
        "name": customer.name,
        "status": customer.status,
        "status_label": str(CustomerStatus(customer.status).label),
        "phone": phone,
        "owner_id": customer.owner_id,
        "owner_name": customer.owner_name,  # type: ignore[attr-defined]
        "department_id": customer.department_id,
        "department_name": customer.department_name,  # type: ignore[attr-defined]
        "version": customer.version,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


@router.get("", response=CustomerPageOut, summary="客户列表")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict:
    user: User = request.user  # type: ignore[assignment]
    page = selectors.customer_page(
        user,
        q=filters.q,
        status=filters.status or "",
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"count": page.count, "items": [customer_out(c, user) for c in page.items]}


class CountOut(Schema):
    count: int


@router.get("/count", response=CountOut, summary="客户数量")
def count_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict:
    user: User = request.user  # type: ignore[assignment]
    return {"count": selectors.customer_count(user, q=filters.q, status=filters.status or "")}


@router.post("", response={201: CustomerOut}, summary="新建客户")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    created = services.customer_create(by=user, data=payload.model_dump(), policy=active_policy())
    return Status(201, customer_out(selectors.access_customer(user, created.pk), user))


@router.get("/{int:customer_id}", response=CustomerOut, summary="客户详情")
def get_customer(request: HttpRequest, customer_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    return customer_out(selectors.access_customer(user, customer_id), user)


@router.patch("/{int:customer_id}", response=CustomerOut, summary="修改客户")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> dict:
    user: User = request.user  # type: ignore[assignment]
    services.customer_update(
        by=user, customer_id=customer_id, data=payload.model_dump(exclude_unset=True)
    )
    return customer_out(selectors.access_customer(user, customer_id), user)


@router.post("/data-quality-sweep", response={202: None}, summary="立即执行资料更新检查")
def run_data_quality_sweep(request: HttpRequest) -> Status:
    """Queue the ARC-6 sweep now; owners of stale records get a notice when it has run."""
    services.request_data_quality_sweep(by=request.user)  # type: ignore[arg-type]
    return Status(202, None)
