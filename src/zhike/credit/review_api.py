"""/api/v1/credit/reviews — the semi-annual credit review (CRD-5): open one, read its
客户升(降)级评审表 (lines within the caller's scope), adjust a customer's rating with the
reason, submit it for approval."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import In, PageQuery
from zhike.errors import NotFound
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import reviews
from .models import CreditReview, CreditReviewLine

router = Router(tags=["credit"])


class ReviewStartIn(In):
    model_config = ConfigDict(extra="forbid")
    period_end: date


class CreditReviewOut(Schema):
    id: int
    title: str
    period_start: date
    period_end: date
    state: str
    policy_version: str
    summary: dict[str, int]
    created_at: datetime
    applied_at: datetime | None


class ReviewLineOut(Schema):
    customer_id: int
    customer: str
    invoices_due: int
    on_time_ratio: Decimal | None
    overdue_count: int
    receivables: Decimal
    days_overdue: int
    previous: str
    proposed: str
    adjusted: str
    final: str
    comment: str


class LinesQuery(PageQuery):
    changed: bool = Field(default=False, description="只看升级或降级的客户")


class AdjustIn(In):
    model_config = ConfigDict(extra="forbid")
    rating: str = Field(min_length=1, max_length=10)
    comment: str = Field(default="", max_length=200)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _review(review: CreditReview) -> dict:
    return {
        "id": review.pk,
        "title": review.title,
        "period_start": review.period_start,
        "period_end": review.period_end,
        "state": review.state,
        "policy_version": review.policy_version,
        "summary": review.summary or {},
        "created_at": review.created_at,
        "applied_at": review.applied_at,
    }


def _line(line: CreditReviewLine) -> dict:
    return {
        "customer_id": line.customer_id,
        "customer": line.customer.name,
        "invoices_due": line.invoices_due,
        "on_time_ratio": line.on_time_ratio,
        "overdue_count": line.overdue_count,
        "receivables": line.receivables,
        "days_overdue": line.days_overdue,
        "previous": line.previous,
        "proposed": line.proposed,
        "adjusted": line.adjusted,
        "final": line.final,
        "comment": line.comment,
    }


def _find(user: User, review_id: int) -> CreditReview:
    review = reviews.reviews_for(user).filter(pk=review_id).first()
    if review is None:
        raise NotFound("信用评审不存在")
    return review


@router.get("", response=list[CreditReviewOut], summary="信用评审(新的在前)")
def list_reviews(request: HttpRequest, query: Query[PageQuery]) -> list[dict]:
    return [_review(r) for r in reviews.reviews_for(_user(request))[query.window]]


@router.post("", response={201: CreditReviewOut}, summary="发起信用评审(统计截止日前若干月)")
def start_review(request: HttpRequest, payload: ReviewStartIn) -> Status:
    review = reviews.credit_review_start(
        by=_user(request), policy=active_policy(), period_end=payload.period_end, now=timezone.now()
    )
    return Status(201, _review(review))


@router.get("/{review_id}", response=CreditReviewOut, summary="一次信用评审")
def review_detail(request: HttpRequest, review_id: int) -> dict:
    return _review(_find(_user(request), review_id))


@router.get("/{review_id}/lines", response=list[ReviewLineOut], summary="客户升(降)级评审表")
def review_lines(request: HttpRequest, review_id: int, query: Query[LinesQuery]) -> list[dict]:
    user = _user(request)
    lines = reviews.review_lines(user, _find(user, review_id), changed=query.changed)
    return [_line(line) for line in lines[query.window]]


@router.post("/{review_id}/lines/{customer_id}", response=ReviewLineOut, summary="调整客户信用等级")
def adjust(request: HttpRequest, review_id: int, customer_id: int, payload: AdjustIn) -> dict:
    user = _user(request)
    _find(user, review_id)
    line = reviews.credit_review_adjust(
        by=user,
        review_id=review_id,
        customer_id=customer_id,
        rating=payload.rating,
        comment=payload.comment,
        policy=active_policy(),
    )
    return _line(line)


@router.post("/{review_id}/submit", response=CreditReviewOut, summary="提交评审表审批")
def submit(request: HttpRequest, review_id: int) -> dict:
    user = _user(request)
    _find(user, review_id)
    review = reviews.credit_review_submit(
        by=user, review_id=review_id, policy=active_policy(), now=timezone.now()
    )
    return _review(review)
