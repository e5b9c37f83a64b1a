"""/api/v1/customers — the archive over HTTP. Calls selectors and services only."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import ErrorOut, Id, In, Out
from zhike.jobs import enqueue
from zhike.org.models import User
from zhike.policy.loader import active_policy
from zhike.policy.schema import Policy

from . import export_jobs, import_jobs, merging, privacy, selectors, services
from .models import (
    CompanySize,
    Contact,
    Customer,
    CustomerStatus,
    CustomerType,
    Export,
    ImportJob,
    RelationKind,
    SourceChannel,
)
from .relatives import relative_link

router = Router(tags=["customers"])


class CustomerOut(Out):
    id: int
    code: str
    name: str
    status: CustomerStatus
    status_label: str
    phone: str
    customer_type: CustomerType
    source: SourceChannel | Literal[""]
    referrer_name: str
    industry: str
    size: CompanySize | Literal[""]
    province: str
    city: str
    district: str
    address: str
    uscc: str
    has_id_number: bool
    completeness: int = Field(description="资料完整度 0–100, by the policy's fields (ARC-6)")
    last_contact_at: datetime | None
    owner_id: int | None
    owner_name: str | None
    department_id: int | None
    department_name: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerPageOut(Out):
    count: int = Field(description="matches, up to ZHIKE_LIST_COUNT_CAP")
    count_capped: bool = Field(description="true: more than `count` match (see /count)")
    items: list[CustomerOut]


class CustomerIn(In):
    """Owner, department, code and created_by are decided by the system: sending them is
    an error (400), not silently ignored."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    status: CustomerStatus = CustomerStatus.POTENTIAL
    phone: str = Field(default="", max_length=32)
    customer_type: CustomerType = CustomerType.ENTERPRISE
    source: SourceChannel | Literal[""] = ""
    referrer_name: str = Field(default="", max_length=100)
    industry: str = Field(default="", max_length=50)
    size: CompanySize | Literal[""] = ""
    province: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=20)
    district: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=200)
    uscc: str = Field(default="", max_length=30, description="统一社会信用代码")
    id_number: str = Field(default="", max_length=30, description="身份证号(加密保存,不回显)")


class CustomerPatch(In):
    """Only the fields sent are changed. Name, status and type may be left out but not
    cleared: ``null`` for them is refused (400), the other fields clear to empty."""

    model_config = ConfigDict(extra="forbid")
    # Not Optional: absent is allowed (the default is never validated), null is not.
    name: str = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    status: CustomerStatus = Field(default=None)  # type: ignore[assignment]
    phone: str | None = Field(default=None, max_length=32)
    customer_type: CustomerType = Field(default=None)  # type: ignore[assignment]
    source: SourceChannel | Literal[""] | None = None
    referrer_name: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=50)
    size: CompanySize | Literal[""] | None = None
    province: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=20)
    district: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, max_length=30)
    id_number: str | None = Field(default=None, max_length=30)


class CustomerFilters(In):
    q: str = Field(default="", max_length=100, description="名称片段、编码或电话后四位")
    status: CustomerStatus | None = None
    customer_type: CustomerType | None = None
    source: SourceChannel | None = None
    size: CompanySize | None = None
    industry: str = Field(default="", max_length=50)
    province: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=20)
    owner: int | None = Field(default=None, description="负责人的用户 id")
    tag: str = Field(default="", max_length=30, description="标签名")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


PLAIN_FIELDS = (
    "customer_type",
    "source",
    "referrer_name",
    "industry",
    "size",
    "province",
    "city",
    "district",
    "address",
    "uscc",
    "last_contact_at",
)
# The columns the API form is built from (with the display names of with_display_names).
COLUMNS = (
    "id", "code", "name", "status", "phone", *PLAIN_FIELDS, "id_number_hash", "owner_id",
    "department_id", "version", "created_at", "updated_at", "owner_name", "department_name",
)  # fmt: skip


def customer_out(
    row: Mapping[str, Any], user: User, policy: Policy, labels: Mapping[str, str]
) -> dict:
    """The API form of one row of ``COLUMNS`` plus the policy's completeness fields."""
    phone = row["phone"]
    if not selectors.can_see_full_phone(user, row["owner_id"]):
        phone = selectors.mask_phone(phone)
    return {
        **{column: row[column] for column in COLUMNS if column != "id_number_hash"},
        "status_label": labels[row["status"]],
        "phone": phone,
        "has_id_number": bool(row["id_number_hash"]),
        "completeness": services.completeness(row, policy),
    }


def status_labels() -> dict[str, str]:
    """Status labels in the request's language."""
    return {value: str(label) for value, label in CustomerStatus.choices}


def one_customer(user: User, customer_id: int) -> dict:
    """The API form of one customer ``user`` may see."""
    customer = selectors.access_customer(user, customer_id)
    policy = active_policy()
    row = {
        c: getattr(customer, c)
        for c in (*COLUMNS, *policy.archive.data_quality.completeness_fields)
    }
    return customer_out(row, user, policy, status_labels())


@router.get("", response=CustomerPageOut, summary="客户列表")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict:
    user: User = request.user  # type: ignore[assignment]
    policy, labels = active_policy(), status_labels()
    page = selectors.customer_page(
        user,
        q=filters.q,
        status=filters.status or "",
        limit=filters.limit,
        offset=filters.offset,
        columns=(*COLUMNS, *policy.archive.data_quality.completeness_fields),
        fields=selectors.list_fields(filters.model_dump()),
    )
    return {
        "count": page.count,
        "count_capped": page.count_capped,
        "items": [customer_out(row, user, policy, labels) for row in page.items],
    }


class CountOut(Schema):
    count: int


@router.get("/count", response=CountOut, summary="客户数量")
def count_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict:
    user: User = request.user  # type: ignore[assignment]
    count = selectors.customer_count(
        user,
        q=filters.q,
        status=filters.status or "",
        fields=selectors.list_fields(filters.model_dump()),
    )
    return {"count": count}


@router.post("", response={201: CustomerOut}, summary="新建客户")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    created = services.customer_create(by=user, data=payload.model_dump(), policy=active_policy())
    return Status(201, one_customer(user, created.pk))


class DuplicateOut(Schema):
    customer_id: int | None = Field(description="null when the customer is outside your scope")
    name: str
    code: str
    owner: str
    reason: str


class DuplicateQuery(In):
    """What is about to be entered. In the body, not the address: names and numbers stay
    out of access logs."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=32)
    uscc: str = Field(default="", max_length=30)


@router.post(
    "/duplicates",
    response={200: list[DuplicateOut], 400: ErrorOut, 429: ErrorOut},
    summary="查重",
)
def find_duplicates(request: HttpRequest, payload: DuplicateQuery) -> list[dict]:
    """Customers that may be the one you are about to enter (ARC-7). Rate-limited per
    user (429) and audited."""
    user: User = request.user  # type: ignore[assignment]
    hints = privacy.duplicate_check(
        by=user,
        name=payload.name,
        phone=payload.phone,
        uscc=payload.uscc.upper(),
        policy=active_policy(),
    )
    return [vars(h) for h in hints]


class PhonesOut(Schema):
    phone: str
    contacts: list[dict[str, Any]] = Field(description="[{id, name, phone}]")


@router.post(
    "/{id:customer_id}/phone",
    response={200: PhonesOut, 403: ErrorOut, 404: ErrorOut},
    summary="查看完整号码",
)
def reveal_phone(request: HttpRequest, customer_id: int) -> dict:
    """The full numbers of the customer and its contacts, for a role with the right to
    them (SEC-5). Every call is recorded in the audit trail."""
    revealed = privacy.phone_reveal(by=request.user, customer_id=customer_id)  # type: ignore[arg-type]
    return {
        "phone": revealed.phone,
        "contacts": [{"id": i, "name": n, "phone": p} for i, n, p in revealed.contacts],
    }


class MergeIn(In):
    model_config = ConfigDict(extra="forbid")
    merge_id: Id = Field(description="the duplicate to merge into this customer")


@router.post("/{id:customer_id}/merge", response=CustomerOut, summary="合并重复客户")
def merge_customer(request: HttpRequest, customer_id: int, payload: MergeIn) -> dict:
    user: User = request.user  # type: ignore[assignment]
    merging.customer_merge(by=user, keep_id=customer_id, merge_id=payload.merge_id)
    return one_customer(user, customer_id)


@router.get("/{id:customer_id}", response=CustomerOut, summary="客户详情")
def get_customer(request: HttpRequest, customer_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    return one_customer(user, customer_id)


@router.patch("/{id:customer_id}", response=CustomerOut, summary="修改客户")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> dict:
    user: User = request.user  # type: ignore[assignment]
    services.customer_update(
        by=user,
        customer_id=customer_id,
        data=payload.model_dump(exclude_unset=True),
        policy=active_policy(),
    )
    return one_customer(user, customer_id)


class TagsIn(In):
    model_config = ConfigDict(extra="forbid")
    tags: list[str] = Field(max_length=50, description="客户的全部标签(替换原有标签)")


@router.get("/{id:customer_id}/tags", response=list[str], summary="客户标签")
def get_tags(request: HttpRequest, customer_id: int) -> list[str]:
    customer = selectors.access_customer(request.user, customer_id)  # type: ignore[arg-type]
    return sorted(customer.tags.values_list("name", flat=True))


@router.put("/{id:customer_id}/tags", response=list[str], summary="设置客户标签")
def set_tags(request: HttpRequest, customer_id: int, payload: TagsIn) -> list[str]:
    return services.customer_set_tags(
        by=request.user,  # type: ignore[arg-type]
        customer_id=customer_id,
        names=payload.tags,
    )


@router.post("/data-quality-sweep", response={202: None}, summary="立即执行资料更新检查")
def run_data_quality_sweep(request: HttpRequest) -> Status:
    """Queue the ARC-6 sweep now; owners of stale records get a notice when it has run."""
    services.request_data_quality_sweep(by=request.user)  # type: ignore[arg-type]
    return Status(202, None)


class ContactIn(In):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    title: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=32)
    is_key_person: bool = False
    profile: dict[str, str | int | bool | None] = {}


class ContactOut(Schema):
    id: int
    name: str
    title: str
    phone: str
    is_key_person: bool
    profile: dict


def contact_out(contact: Contact, user: User, customer: Customer) -> dict:
    phone = contact.phone
    if not selectors.can_see_full_phone(user, customer.owner_id):
        phone = selectors.mask_phone(phone)
    return {
        "id": contact.pk,
        "name": contact.name,
        "title": contact.title,
        "phone": phone,
        "is_key_person": contact.is_key_person,
        "profile": contact.profile,
    }


@router.get("/{id:customer_id}/contacts", response=list[ContactOut], summary="联系人")
def list_contacts(request: HttpRequest, customer_id: int) -> list[dict]:
    user: User = request.user  # type: ignore[assignment]
    customer = selectors.access_customer(user, customer_id)
    return [contact_out(c, user, customer) for c in customer.contacts.all()]


@router.post("/{id:customer_id}/contacts", response={201: ContactOut}, summary="添加联系人")
def add_contact(request: HttpRequest, customer_id: int, payload: ContactIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    contact = services.contact_add(
        by=user, customer_id=customer_id, data=payload.model_dump(), policy=active_policy()
    )
    customer = selectors.access_customer(user, customer_id)
    return Status(201, contact_out(contact, user, customer))


# --- Import and export jobs (IMP-1, IMP-2) --------------------------------------------------


class ImportJobOut(Schema):
    id: str
    filename: str
    state: str
    rows_done: int
    rows_total: int | None = Field(
        None, description="导入中:文件的数据行数(检查时读出),与 rows_done 一起显示进度;检查中为空"
    )
    report: dict


def import_job_out(job: ImportJob) -> dict:
    progress = import_jobs.import_progress(job)
    return {
        "id": str(job.pk),
        "filename": job.filename,
        "state": job.state,
        "rows_done": progress.done,
        "rows_total": progress.total,
        "report": job.report,
    }


def _import_job(user: User, job_id: str) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise Http404
    return job


@router.post("/imports", response={201: ImportJobOut}, summary="上传导入文件(先检查)")
def upload_import(request: HttpRequest, file: UploadedFile = File(...)) -> Status:  # noqa: B008
    """Upload an xlsx or CSV file; it is checked (dry run) in a job. Poll the job, then
    confirm it if it has no errors."""
    user: User = request.user  # type: ignore[assignment]
    job = import_jobs.import_upload(by=user, filename=file.name or "upload", chunks=file.chunks())
    enqueue("archive.run_import", str(job.pk), False)
    return Status(201, import_job_out(job))


@router.get("/imports/{uuid:job_id}", response=ImportJobOut, summary="导入任务状态")
def get_import(request: HttpRequest, job_id: str) -> dict:
    return import_job_out(_import_job(request.user, job_id))  # type: ignore[arg-type]


@router.post("/imports/{uuid:job_id}/confirm", response=ImportJobOut, summary="确认导入")
def confirm_import(request: HttpRequest, job_id: str) -> dict:
    user: User = request.user  # type: ignore[assignment]
    job = import_jobs.import_confirm(by=user, job_id=str(_import_job(user, job_id).pk))
    enqueue("archive.run_import", str(job.pk), True)
    return import_job_out(job)


@router.post("/imports/{uuid:job_id}/retry", response=ImportJobOut, summary="重新运行中断的导入")
def retry_import(request: HttpRequest, job_id: str) -> dict:
    """An import whose worker died (state failed, report.interrupted) runs again from its
    check; the database was not changed by the interrupted run."""
    user: User = request.user  # type: ignore[assignment]
    job = import_jobs.import_retry(by=user, job_id=str(_import_job(user, job_id).pk))
    enqueue("archive.run_import", str(job.pk), False)
    return import_job_out(job)


class ExportOut(Schema):
    id: str
    state: str
    rows: int
    download: str | None


def export_out(export: Export) -> dict:
    done = export.state == Export.State.DONE
    return {
        "id": str(export.pk),
        "state": export.state,
        "rows": export.rows,
        # The API's own address: a client with a bearer token has no session cookie.
        "download": f"/api/v1/customers/exports/{export.pk}/file" if done else None,
    }


@router.post("/exports", response={202: ExportOut}, summary="导出客户(后台任务)")
def request_export(request: HttpRequest, filters: Query[CustomerFilters]) -> Status:
    user: User = request.user  # type: ignore[assignment]
    export = export_jobs.customer_export_request(by=user, q=filters.q, status=filters.status or "")
    return Status(202, export_out(export))


@router.get("/exports/{uuid:export_id}", response=ExportOut, summary="导出任务状态")
def get_export(request: HttpRequest, export_id: str) -> dict:
    export = Export.objects.filter(pk=export_id, user=request.user).first()  # type: ignore[misc]
    if export is None:
        raise Http404
    return export_out(export)


@router.get(
    "/exports/{uuid:export_id}/file",
    response={200: None, 404: ErrorOut},
    summary="下载导出文件",
    openapi_extra={
        "responses": {
            "200": {
                "description": "xlsx",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
                },
            }
        }
    },
)
def download_export(request: HttpRequest, export_id: str) -> HttpResponseBase:
    """The finished export's file, for the user who asked for it (token or session)."""
    export = Export.objects.filter(
        pk=export_id,
        user=request.user,  # type: ignore[misc]
        state=Export.State.DONE,
    ).first()
    if export is None:
        raise Http404
    filename = f"客户_{timezone.localtime(export.created_at):%Y%m%d_%H%M}.xlsx"
    path = export_jobs.export_path(export.pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


class RelativeIn(In):
    model_config = ConfigDict(extra="forbid")
    relative_id: Id
    kind: RelationKind


class RelativeOut(Schema):
    id: int
    name: str
    code: str
    kind: RelationKind
    kind_label: str


@router.get("/{id:customer_id}/relatives", response=list[RelativeOut], summary="直系亲属")
def list_relatives(request: HttpRequest, customer_id: int) -> list[dict]:
    user: User = request.user  # type: ignore[assignment]
    customer = selectors.access_customer(user, customer_id)
    visible = selectors.customers_for(user)
    relations = customer.relations.filter(relative__in=visible).select_related("relative")
    return [
        {
            "id": r.relative_id,
            "name": r.relative.name,
            "code": r.relative.code,
            "kind": r.kind,
            "kind_label": str(r.get_kind_display()),
        }
        for r in relations
    ]


@router.post("/{id:customer_id}/relatives", response={201: RelativeOut}, summary="关联亲属")
def link_relative(request: HttpRequest, customer_id: int, payload: RelativeIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    relation = relative_link(
        by=user, customer_id=customer_id, relative_id=payload.relative_id, kind=payload.kind
    )
    relative = relation.relative
    return Status(
        201,
        {
            "id": relative.pk,
            "name": relative.name,
            "code": relative.code,
            "kind": relation.kind,
            "kind_label": str(relation.get_kind_display()),
        },
    )
