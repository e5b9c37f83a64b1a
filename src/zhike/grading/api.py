"""/api/v1/grading — grades, reviews and assessments over HTTP."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In, PageQuery
from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.loader import active_policy
from zhike.workflow.models import ApprovalRequest

from . import blacklist, events, promotions, reviews, selectors, services
from .admission import admission_check, admission_status
from .errors import PermissionDenied
from .labels import note_label, quota_label
from .models import AdmissionCheck, BlacklistEntry, Problem, Review

router = Router(tags=["grading"])


class IndicatorOut(Schema):
    key: str
    label: str
    value: str | None
    band: str
    points: Decimal


class ScoreOut(Schema):
    total: Decimal
    computed_grade: str = Field(
        description="the grade the score table gives for this period now; the grade in "
        "force is in_force.grade (set when a review is approved)"
    )
    note: str = Field(description="no_trade / not_evaluated / new: why the grade is the lowest")
    note_label: str = Field(description="the note in the reader's language")
    indicators: list[IndicatorOut]


class StandingOut(Schema):
    grade: str
    tier: str
    size_class: str
    behaviour: str
    policy_version: str
    since: datetime


class ChangeOut(Schema):
    axis: str
    old: str
    new: str
    source: str
    reason: str
    policy_version: str
    at: datetime


class CardOut(Schema):
    customer_id: int
    period_start: date
    period_end: date
    figures: dict[str, Any]
    score: ScoreOut | None
    tiers_met: list[str]
    in_force: StandingOut | None = Field(
        description="grade and tier in force, from the last approved review; null before one"
    )
    assessments: dict[str, str]
    history: list[ChangeOut]


@router.get("/customers/{id:customer_id}", response=CardOut, summary="客户分级卡")
def customer_card(request: HttpRequest, customer_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    card = selectors.grading_card(
        user, customer_id, policy=active_policy(), today=timezone.localdate()
    )
    score = None
    if card.score is not None:
        score = {
            "total": card.score.total,
            "computed_grade": card.score.grade,
            "note": card.score.note,
            "note_label": note_label(card.score.note),
            "indicators": [
                {**vars(i), "value": None if i.value is None else str(i.value)}
                for i in card.score.indicators
            ],
        }
    return {
        "customer_id": customer_id,
        "period_start": card.period.start,
        "period_end": card.period.end,
        "figures": {k: v for k, v in vars(card.figures).items()},
        "score": score,
        "tiers_met": [level.key for level in card.levels_met.get("tier", [])],
        "in_force": card.standing,
        "assessments": {k: a.value for k, a in card.assessments.items()},
        "history": card.history,
    }


class AssessmentIn(In):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=30, description="评分表的人工指标或认定项")
    value: str = Field(max_length=30)
    note: str = Field(default="", max_length=200, description="依据")


@router.post("/customers/{id:customer_id}/assessments", response={201: None}, summary="人工评定")
def assess(request: HttpRequest, customer_id: int, payload: AssessmentIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    services.assessment_record(
        by=user,
        customer_id=customer_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.model_dump(),
    )
    return Status(201, None)


class ReviewOut(Schema):
    id: int
    title: str = Field(description="in the reader's language")
    trigger: str
    state: str
    period_start: date
    period_end: date
    policy_version: str
    summary: dict[str, Any]
    created_at: datetime
    applied_at: datetime | None

    @staticmethod
    def resolve_title(review: Review) -> str:
        return review.display_title


def _reviewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("grading.run_review"):
        raise PermissionDenied(_("您没有查看分级评审的权限"))
    return user


@router.get("/reviews", response=list[ReviewOut], summary="分级评审列表")
def list_reviews(request: HttpRequest) -> list[Review]:
    _reviewer(request)
    return list(Review.objects.all()[:50])


class ReviewIn(In):
    model_config = ConfigDict(extra="forbid")
    period_end: date = Field(description="统计截止日")


@router.post("/reviews", response={201: ReviewOut}, summary="发起分级评审")
def start_review(request: HttpRequest, payload: ReviewIn) -> Status:
    user = _reviewer(request)
    review = reviews.review_start(
        by=user, policy=active_policy(), period_end=payload.period_end, now=timezone.now()
    )
    return Status(201, review)


@router.get("/reviews/{id:review_id}", response=ReviewOut, summary="分级评审详情")
def get_review(request: HttpRequest, review_id: int) -> Review:
    _reviewer(request)
    return _review(review_id)


def _review(review_id: int) -> Review:
    try:
        return Review.objects.get(pk=review_id)
    except Review.DoesNotExist:
        from django.http import Http404

        raise Http404 from None


class ReviewLineOut(Schema):
    customer_id: int
    customer_name: str
    contract_amount: Decimal
    volume: Decimal
    overdue_count: int
    receivables: Decimal
    main_category: str | None
    score: Decimal | None
    points: dict[str, Any] | None
    previous_grade: str
    grade: str
    grade_note: str
    grade_note_label: str
    adjusted_grade: str
    previous_tier: str
    tier: str
    tier_missed: str
    tier_missed_quota: str
    tier_missed_quota_label: str
    tier_rank: int | None
    adjusted_tier: str
    adjust_comment: str

    @staticmethod
    def resolve_grade_note_label(line: Any) -> str:
        return note_label(line.grade_note)

    @staticmethod
    def resolve_tier_missed_quota_label(line: Any) -> str:
        return quota_label(line.tier_missed_quota)

    previous_size_class: str
    size_class: str
    previous_behaviour: str
    behaviour: str


class LineFilters(In):
    customer_id: Id | None = Field(default=None, description="只看这个客户")
    changed: bool = Field(default=False, description="只看等级或级别有变化的")
    missed: bool = Field(default=False, description="只看因名额被排除的")
    tier: str = ""
    grade: str = ""
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


@router.get("/reviews/{id:review_id}/lines", response=list[ReviewLineOut], summary="评审明细")
def review_lines(request: HttpRequest, review_id: int, filters: Query[LineFilters]) -> list:
    user = _reviewer(request)
    lines = selectors.review_lines_for(user, _review(review_id)).annotate(
        customer_name=F("customer__name")
    )
    if filters.customer_id is not None:
        lines = lines.filter(customer_id=filters.customer_id)
    if filters.changed:
        lines = lines.filter(~Q(previous_grade=F("grade")) | ~Q(previous_tier=F("tier")))
    if filters.missed:
        lines = lines.exclude(tier_missed="").order_by("tier_rank")
    if filters.tier:
        lines = lines.filter(tier=filters.tier)
    if filters.grade:
        lines = lines.filter(grade=filters.grade)
    return list(
        lines.order_by("tier_rank", "-contract_amount", "customer_id")[
            filters.offset : filters.offset + filters.limit
        ]
    )


class AdjustIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    grade: str | None = None
    tier: str | None = None
    comment: str = Field(max_length=200, description="调整理由(必填)")


@router.post("/reviews/{id:review_id}/adjustments", response=ReviewLineOut, summary="调整评审结果")
def adjust(request: HttpRequest, review_id: int, payload: AdjustIn) -> Any:
    user = _reviewer(request)
    line = reviews.review_adjust(by=user, review_id=review_id, **payload.model_dump())
    line.customer_name = line.customer.name  # type: ignore[attr-defined]
    return line


class SubmitOut(Schema):
    approval_id: int


@router.post("/reviews/{id:review_id}/submit", response=SubmitOut, summary="提交评审审批")
def submit(request: HttpRequest, review_id: int) -> dict:
    user = _reviewer(request)
    approval = reviews.review_submit(
        by=user, review_id=review_id, policy=active_policy(), now=timezone.now()
    )
    return {"approval_id": approval.pk}


# --- Problems and event downgrades (GRD-7) ---------------------------------------------


class ProblemIn(In):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=30, description="policy grading.event_downgrade.kinds")
    description: str = Field(max_length=2000)
    severe: bool = False


class ProblemOut(Schema):
    id: int
    kind: str
    description: str
    severe: bool
    at: datetime
    deadline_due_at: datetime | None
    resolved_at: datetime | None
    resolution: str


def _problem_out(problem: Any) -> dict:
    return {
        "id": problem.pk,
        "kind": problem.kind,
        "description": problem.description,
        "severe": problem.severe,
        "at": problem.at,
        "deadline_due_at": problem.deadline.due_at if problem.deadline_id else None,
        "resolved_at": problem.resolved_at,
        "resolution": problem.resolution,
    }


@router.get(
    "/customers/{id:customer_id}/problems", response=list[ProblemOut], summary="客户问题记录"
)
def list_problems(request: HttpRequest, customer_id: int, page: Query[PageQuery]) -> list:
    """The customer's GRD-7 problems, newest first, with their downgrade deadlines."""
    customer = access_customer(request.user, customer_id)  # type: ignore[arg-type]
    problems = Problem.objects.filter(customer=customer).select_related("deadline")
    return [_problem_out(p) for p in problems.order_by("-at", "-id")[page.window]]


@router.post(
    "/customers/{id:customer_id}/problems", response={201: ProblemOut}, summary="记录客户问题"
)
def record_problem(request: HttpRequest, customer_id: int, payload: ProblemIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    problem = events.problem_record(
        by=user,
        customer_id=customer_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.model_dump(),
    )
    return Status(201, _problem_out(problem))


class DowngradeIn(In):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(max_length=30)
    reason: str = Field(max_length=200)


@router.post("/customers/{id:customer_id}/downgrade", response=ChangeOut, summary="事件降级")
def downgrade(request: HttpRequest, customer_id: int, payload: DowngradeIn) -> Any:
    user: User = request.user  # type: ignore[assignment]
    return events.event_downgrade(
        by=user,
        customer_id=customer_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.model_dump(),
    )


# --- Admission (GRD-9) -----------------------------------------------------------------


class AdmissionItemOut(Schema):
    key: str
    label: str
    passed: bool | None
    evidence: str
    checked_by: str | None
    checked_at: datetime | None


class AdmissionOut(Schema):
    required: bool
    admitted: bool
    items: list[AdmissionItemOut]


@router.get("/customers/{id:customer_id}/admission", response=AdmissionOut, summary="准入审核")
def admission(request: HttpRequest, customer_id: int) -> dict:
    user: User = request.user  # type: ignore[assignment]
    access_customer(user, customer_id)
    policy = active_policy()
    status = admission_status(customer_id, policy)
    checks = {
        c.key: c
        for c in AdmissionCheck.objects.filter(customer_id=customer_id).select_related("checked_by")
    }
    rule = policy.grading.admission
    items = []
    for item in rule.items if rule else []:
        check = checks.get(item.key)
        items.append(
            {
                "key": item.key,
                "label": item.label,
                "passed": check.passed if check else None,
                "evidence": check.evidence if check else "",
                "checked_by": str(check.checked_by) if check else None,
                "checked_at": check.checked_at if check else None,
            }
        )
    return {"required": status.required, "admitted": status.admitted, "items": items}


class AdmissionCheckIn(In):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=30)
    passed: bool
    evidence: str = Field(max_length=300, description="证照号、说明(附件请用网页上传)")


@router.post("/customers/{id:customer_id}/admission", response={201: None}, summary="录入准入审核")
def check_admission(request: HttpRequest, customer_id: int, payload: AdmissionCheckIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    admission_check(
        by=user,
        customer_id=customer_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.model_dump(),
    )
    return Status(201, None)


# --- Blacklist (GRD-8) -------------------------------------------------------------------


class BlacklistOut(Schema):
    id: int
    customer_id: int
    approval_id: int | None = Field(
        description="the entry's latest approval request (GET /api/v1/approvals/{id})"
    )
    state: str
    reason: str
    verification: str
    valid_months: int
    starts_on: date | None
    ends_on: date | None
    arrears: Decimal


@router.get("/blacklist", response=list[BlacklistOut], summary="黑名单")
def list_blacklist(
    request: HttpRequest, page: Query[PageQuery], state: str = "", customer_id: Id | None = None
) -> Any:
    user: User = request.user  # type: ignore[assignment]
    entries = _with_approval(visible_to(user, BlacklistEntry.objects.all()))
    if state:
        entries = entries.filter(state=state)
    if customer_id is not None:
        entries = entries.filter(customer_id=customer_id)
    return list(entries.order_by("-proposed_at")[page.window])


def _with_approval(entries: QuerySet[BlacklistEntry]) -> QuerySet[BlacklistEntry]:
    """Each entry with the id of its latest approval request, in the same statement."""
    requests = ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(BlacklistEntry), object_id=OuterRef("pk")
    )
    return entries.annotate(approval_id=Subquery(requests.order_by("-id").values("id")[:1]))


def _entry_out(entry_id: int) -> BlacklistEntry:
    return _with_approval(BlacklistEntry.objects.filter(pk=entry_id)).get()


class BlacklistProposeIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    reason: str = Field(max_length=2000)


@router.post("/blacklist", response={201: BlacklistOut}, summary="提议列入黑名单")
def propose_blacklist(request: HttpRequest, payload: BlacklistProposeIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    entry = blacklist.blacklist_propose(
        by=user, policy=active_policy(), now=timezone.now(), **payload.model_dump()
    )
    return Status(201, _entry_out(entry.pk))


class BlacklistVerifyIn(In):
    model_config = ConfigDict(extra="forbid")
    confirmed: bool
    note: str = Field(max_length=2000)
    valid_months: int | None = Field(default=None, ge=1, le=120)


def _entry(user: User, entry_id: int) -> BlacklistEntry:
    try:
        return visible_to(user, BlacklistEntry.objects.all()).get(pk=entry_id)
    except BlacklistEntry.DoesNotExist:
        from django.http import Http404

        raise Http404 from None


@router.post("/blacklist/{id:entry_id}/verify", response=BlacklistOut, summary="核实黑名单")
def verify_blacklist(request: HttpRequest, entry_id: int, payload: BlacklistVerifyIn) -> Any:
    user: User = request.user  # type: ignore[assignment]
    _entry(user, entry_id)
    blacklist.blacklist_verify(
        by=user,
        entry_id=entry_id,
        policy=active_policy(),
        now=timezone.now(),
        **payload.model_dump(),
    )
    return _entry_out(entry_id)


class ReadmitIn(In):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000)


@router.post("/blacklist/{id:entry_id}/readmit", response=BlacklistOut, summary="申请重新准入")
def readmit(request: HttpRequest, entry_id: int, payload: ReadmitIn) -> Any:
    user: User = request.user  # type: ignore[assignment]
    _entry(user, entry_id)
    blacklist.blacklist_readmit_request(
        by=user,
        entry_id=entry_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return _entry_out(entry_id)


# --- Treatment matrix (GRD-10) and A treatment for an order (GRD-11) ---------------------


class TreatmentCellOut(Schema):
    label: str
    when: dict[str, str]
    priority: int
    price_level: str
    revisit_every_months: int | None
    revisit_roles: list[str]
    report_every_months: int | None
    complaint_priority: int


@router.get("/treatment", response=list[TreatmentCellOut], summary="待遇矩阵")
def treatment(request: HttpRequest) -> list:
    matrix = active_policy().grading.treatment
    return [cell.model_dump() for cell in matrix.cells] if matrix else []


class PromotionIn(In):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000, description="价格与付款情况")


class PromotionOut(Schema):
    id: int
    order_id: int
    to_grade: str
    state: str


@router.post(
    "/orders/{id:order_id}/a-treatment", response={201: PromotionOut}, summary="申请A类订单"
)
def promote_order(request: HttpRequest, order_id: int, payload: PromotionIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    promotion = promotions.order_promotion_request(
        by=user,
        order_id=order_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, promotion)
