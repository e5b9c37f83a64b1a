"""/api/v1/credit — what people vouch for and what finance finds: eligibility attested
with evidence (CRD-1), unapproved over-limit shipments and the invoices to look into
(CRD-6, s003-12 3.2). Mounted on the credit router."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In
from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import evidence, unapproved
from .errors import CreditError, PermissionDenied
from .models import Attestation, UnapprovedShipment

router = Router(tags=["credit"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _finance(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_perm(unapproved.FINANCE):
        raise PermissionDenied(_("只有财务可以查看"))
    return user


class AttestationOut(Schema):
    requirement: str
    evidence: str
    file_url: str | None = Field(description="the evidence file, on the web (login)")
    valid_until: date | None
    by_id: int
    at: str


def _attestation(a: Attestation) -> dict:
    return {
        "requirement": a.requirement,
        "evidence": a.evidence,
        "file_url": reverse("credit-attestation-file", args=[a.customer_id, a.requirement])
        if a.file
        else None,
        "valid_until": a.valid_until,
        "by_id": a.by_id,
        "at": a.at.isoformat(),
    }


@router.get(
    "/customers/{id:customer_id}/attestations",
    response=list[AttestationOut],
    summary="授信资格证明",
)
def list_attestations(request: HttpRequest, customer_id: int) -> list[dict]:
    access_customer(_user(request), customer_id)
    return [_attestation(a) for a in evidence.attestations_of(customer_id)]


@router.post(
    "/customers/{id:customer_id}/attestations",
    response={201: AttestationOut},
    summary="提交授信资格证明(证明内容或附件)",
)
def attest(
    request: HttpRequest,
    customer_id: int,
    requirement: Form[str],
    evidence_text: Form[str] = "",
    valid_until: Form[date | None] = None,
    file: File[UploadedFile] | None = None,
) -> Status:
    made = evidence.attest(
        by=_user(request),
        customer_id=customer_id,
        requirement=requirement[:30],
        evidence=evidence_text[:300],
        upload=file,
        valid_until=valid_until,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, _attestation(made))


class UnapprovedIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    invoice_id: Id | None = None
    shipped_on: date
    amount: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)
    note: str = Field(min_length=1, max_length=300)
    liable_ids: list[Id] = Field(min_length=1, max_length=20)


class UnapprovedOut(Schema):
    id: int
    customer_id: int
    invoice_id: int | None
    shipped_on: date
    amount: Decimal
    note: str
    liable_ids: list[int]


def _unapproved(found: UnapprovedShipment) -> dict:
    return {
        "id": found.pk,
        "customer_id": found.customer_id,
        "invoice_id": found.invoice_id,
        "shipped_on": found.shipped_on,
        "amount": found.amount,
        "note": found.note,
        "liable_ids": sorted(p.pk for p in found.liable.all()),
    }


@router.post(
    "/unapproved",
    response={201: UnapprovedOut},
    summary="登记未经审批的超授信额发货(财务查实,责任人承担本批次货款)",
)
def record_unapproved(request: HttpRequest, payload: UnapprovedIn) -> Status:
    found = unapproved.unapproved_record(
        by=_user(request),
        customer_id=payload.customer_id,
        invoice_id=payload.invoice_id,
        shipped_on=payload.shipped_on,
        amount=payload.amount,
        note=payload.note,
        liable_ids=list(payload.liable_ids),
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, _unapproved(found))


@router.get("/unapproved", response=list[UnapprovedOut], summary="未经审批的超授信额发货")
def list_unapproved(request: HttpRequest) -> list[dict]:
    user = _finance(request)
    return [_unapproved(f) for f in unapproved.recorded(user)[:200]]


class CandidateQuery(In):
    model_config = ConfigDict(extra="forbid")
    start: date
    end: date


class CandidateOut(Schema):
    invoice_id: int
    customer_id: int
    number: str
    issued_on: date
    amount: Decimal


@router.get(
    "/unapproved/candidates",
    response=list[CandidateOut],
    summary="无发货单的应收单据(待查实是否未经审批发货)",
)
def list_candidates(request: HttpRequest, query: Query[CandidateQuery]) -> list[dict]:
    user = _finance(request)
    if not 0 <= (query.end - query.start).days <= 366:
        raise CreditError(_("期间须从早到晚,最长一年"), field="end")
    found = unapproved.candidates(user, start=query.start, end=query.end, policy=active_policy())
    return [
        {
            "invoice_id": i.pk,
            "customer_id": i.customer_id,
            "number": i.number,
            "issued_on": i.issued_on,
            "amount": i.amount,
        }
        for i in found[:200]
    ]
