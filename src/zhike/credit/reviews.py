"""The semi-annual credit review (CRD-5, s004 信用审核): open a review of the customers
given credit with each one's proposed rating from the ledger; the reviewer adjusts with a
reason; the 升(降)级评审表 goes for approval ([approvals.credit_review]); approved, the
ratings apply at once (the limit in force follows them) and the offices and finance are
told."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import batched

from django.db import connection, transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.dates import months_before
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.errors import Conflict, NotFound, PermissionDenied
from zhike.jobs import enqueue
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.org.selectors import people_with_role
from zhike.policy.credit_schema import RatingPolicy
from zhike.policy.schema import Policy
from zhike.trade.metrics import Period, metrics_sql
from zhike.trade.models import Invoice
from zhike.workflow.approvals import ApprovalRequest, approval_submit
from zhike.workflow.notify import notify_people

from .errors import CreditError
from .models import CreditRating, CreditReview, CreditReviewLine
from .rating import Figures, rate

RUN = "credit.run_credit_review"
APPROVAL_KIND = "credit_review"
State = CreditReview.State


@dataclass(frozen=True)
class Moves:
    up: int
    down: int
    same: int
    new: int


def _period(end: date, months: int) -> Period:
    """The ``months`` whole months up to ``end``: to 30 June, from 1 January."""
    return Period(start=months_before(end + timedelta(days=1), months), end=end)


BATCH = 2000


def _figures(period: Period, policy: Policy) -> Iterator[list[tuple[int, Figures, str]]]:
    """The figures of every customer given credit — something fell due in the period,
    something is still owed, or it holds a rating — with its rating now, in batches: one
    statement, read a batch at a time (bounded memory at a million customers)."""
    sql, params = metrics_sql(period, volume_unit=policy.grading.volume_unit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.customer_id, m.invoices_due, m.on_time_ratio, m.overdue_count, "  # noqa: S608
            f"o.oldest, r.rating FROM ({sql}) m "
            f"LEFT JOIN (SELECT customer_id, MIN(due_on) AS oldest FROM trade_invoice "
            f"WHERE paid_on IS NULL AND issued_on <= %s AND due_on < %s GROUP BY customer_id) o "
            f"ON o.customer_id = m.customer_id "
            f"LEFT JOIN credit_creditrating r ON r.customer_id = m.customer_id "
            f"WHERE m.invoices_due > 0 OR m.receivables > 0 OR r.rating IS NOT NULL",
            [*params, period.end, period.end],
        )
        while rows := cursor.fetchmany(BATCH):
            batch = []
            for pk, due, ratio, overdue, oldest, rating in rows:
                if isinstance(oldest, str):  # SQLite
                    oldest = date.fromisoformat(oldest)
                figures = Figures(
                    invoices_due=int(due or 0),
                    on_time_ratio=None
                    if ratio is None
                    else Decimal(str(ratio)).quantize(Decimal("0.01")),
                    overdue_count=int(overdue or 0),
                    days_overdue=(period.end - oldest).days if oldest else 0,
                )
                batch.append((pk, figures, rating or ""))
            yield batch


@transaction.atomic
def credit_review_start(
    *, by: User | None, policy: Policy, period_end: date, now: datetime
) -> CreditReview:
    """Open the review of the ``review_months`` to ``period_end``; its lines are computed
    by a job (``credit_review_compute``): a million customers are not a request's work."""
    if by is not None and not by.has_perm(RUN):
        raise PermissionDenied(_("您没有发起信用评审的权限"))
    rules = policy.credit.rating
    if not policy.credit.enabled or not rules.levels:
        raise CreditError(_("管理制度未启用信用评级"), field="policy")
    period = _period(period_end, rules.review_months)
    with unique_or(Conflict(_("已有进行中的信用评审,或该期间已评审"))):
        review = CreditReview.objects.create(
            title=_("%(start)s 至 %(end)s 客户信用评审")
            % {"start": period.start.isoformat(), "end": period.end.isoformat()},
            period_start=period.start,
            period_end=period.end,
            policy_version=policy.policy.version,
            state=State.COMPUTING,
            created_by=by,
            created_at=now,
        )
    record(review, "credit.review_started", by=by, details={"period_end": period_end})
    enqueue("credit.compute_review", review.pk)
    return review


def credit_review_compute(*, review_id: int, policy: Policy, now: datetime) -> bool:
    """The review job: every credit customer's figures and proposed rating. Claimed by
    compare-and-set, so a redelivered job does nothing; returns whether this run did it."""
    claimed = CreditReview.objects.filter(
        pk=review_id, state=State.COMPUTING, computed_at__isnull=True
    ).update(computed_at=now)
    if not claimed:
        return False
    review = CreditReview.objects.get(pk=review_id)
    period = Period(start=review.period_start, end=review.period_end)
    rules = policy.credit.rating
    try:
        with transaction.atomic():
            _compute(review, period, policy, rules)
    except Exception:
        CreditReview.objects.filter(pk=review_id).update(state=State.FAILED)
        raise
    return True


def _compute(review: CreditReview, period: Period, policy: Policy, rules: RatingPolicy) -> None:
    for batch in _figures(period, policy):
        CreditReviewLine.objects.bulk_create(
            CreditReviewLine(
                review=review,
                customer_id=pk,
                invoices_due=figures.invoices_due,
                on_time_ratio=figures.on_time_ratio,
                overdue_count=figures.overdue_count,
                days_overdue=figures.days_overdue,
                previous=previous,
                proposed=rate(figures, rules.levels),
            )
            for pk, figures, previous in batch
        )
    _receivables(review, period)
    review.summary = moves_of(review, policy)
    review.state = State.PROPOSED
    review.save(update_fields=["summary", "state"])


def _receivables(review: CreditReview, period: Period) -> None:
    """Each line's open receivables at the period's end (one UPDATE)."""
    owed = (
        Invoice.objects.filter(
            customer_id=OuterRef("customer_id"), paid_on__isnull=True, issued_on__lte=period.end
        )
        .order_by()
        .values("customer_id")
        .annotate(s=Sum(F("amount") - F("paid_amount")))
        .values("s")
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    review.lines.update(receivables=Coalesce(Subquery(owed, output_field=money), Decimal(0)))


def moves_of(review: CreditReview, policy: Policy) -> dict[str, int]:
    order = {level.key: i for i, level in enumerate(policy.credit.rating.levels)}
    counts = {"up": 0, "down": 0, "same": 0, "new": 0}
    lines = review.lines.values_list("previous", "proposed", "adjusted")
    for previous, proposed, adjusted in lines.iterator(chunk_size=BATCH):
        final = adjusted or proposed
        if not previous:
            counts["new"] += 1
        elif final == previous:
            counts["same"] += 1
        elif order.get(final, 99) < order.get(previous, 99):
            counts["up"] += 1
        else:
            counts["down"] += 1
    return counts


def _open_review(by: User, review_id: int, *, for_update: bool = True) -> CreditReview:
    if not by.has_perm(RUN):
        raise PermissionDenied(_("您没有调整信用评审的权限"))
    queryset = CreditReview.objects.select_for_update() if for_update else CreditReview.objects
    review = queryset.filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("信用评审不存在"))
    return review


@transaction.atomic
def credit_review_adjust(
    *, by: User, review_id: int, customer_id: int, rating: str, comment: str, policy: Policy
) -> CreditReviewLine:
    """The reviewer's rating for one customer, with the reason (the 评审表's 调整理由)."""
    review = _open_review(by, review_id)
    if review.state != State.PROPOSED:
        raise CreditError(_("评审已提交审批或已结束,不能再调整"), field="state")
    line = visible_to(by, review.lines.filter(customer_id=customer_id)).first()
    if line is None:
        raise NotFound(_("客户不在本次评审中或不在您的数据范围内"))
    if policy.credit.rating.level(rating) is None:
        raise CreditError(
            _("信用等级应为:%(levels)s")
            % {"levels": "、".join(level.key for level in policy.credit.rating.levels)},
            field="rating",
        )
    comment = comment.strip()
    if rating != line.proposed and not comment:
        raise CreditError(_("调整建议等级时必须填写理由"), field="comment")
    line.adjusted = "" if rating == line.proposed else rating
    line.comment = comment[:200]
    line.adjusted_by = by
    line.save(update_fields=["adjusted", "comment", "adjusted_by"])
    record(
        review,
        "credit.review_adjusted",
        by=by,
        details={"customer": customer_id, "rating": rating, "comment": line.comment},
    )
    return line


@transaction.atomic
def credit_review_submit(
    *, by: User, review_id: int, policy: Policy, now: datetime
) -> CreditReview:
    """The 升(降)级评审表 to its approvers."""
    review = _open_review(by, review_id)
    if review.state != State.PROPOSED:
        raise CreditError(_("评审已提交审批或已结束"), field="state")
    review.state = State.SUBMITTED
    review.summary = moves_of(review, policy)
    review.save(update_fields=["state", "summary"])
    approval_submit(
        kind=APPROVAL_KIND,
        subject=review,
        title=deferred("客户信用升(降)级评审:%(title)s", title=review.title),
        by=by,
        policy=policy,
        now=now,
    )
    return review


def on_review_approved(request: ApprovalRequest) -> None:
    """Apply every line's rating at once and tell the offices and finance."""
    from zhike.policy.loader import active_policy

    policy = active_policy()
    now = request.decided_at or request.created_at
    with transaction.atomic():
        review = (
            CreditReview.objects.select_for_update()
            .filter(pk=request.object_id, state=State.SUBMITTED)
            .first()
        )
        if review is None:
            return
        lines = review.lines.order_by("pk").values_list("customer_id", "proposed", "adjusted")
        for batch in batched(lines.iterator(chunk_size=BATCH), BATCH):
            CreditRating.objects.bulk_create(
                [
                    CreditRating(
                        customer_id=pk,
                        rating=adjusted or proposed,
                        review=review,
                        policy_version=review.policy_version,
                        since=now,
                    )
                    for pk, proposed, adjusted in batch
                ],
                update_conflicts=True,
                unique_fields=["customer"],
                update_fields=["rating", "review", "policy_version", "since"],
            )
        review.state, review.applied_at = State.APPLIED, now
        review.save(update_fields=["state", "applied_at"])
        _tell(review, policy)


def _tell(review: CreditReview, policy: Policy) -> None:
    """评审成果要及时通报办事处、财务部: every holder of the notified roles, and whoever
    started the review."""
    people: dict[int, User] = {}
    for role in policy.credit.rating.notify_roles:
        for person in people_with_role(role, near=None):
            people.setdefault(person.pk, person)
    if review.created_by is not None:
        people.setdefault(review.created_by.pk, review.created_by)
    moves = review.summary or {}
    title = deferred(
        "信用评审已生效:%(title)s(升级 %(up)s 户,降级 %(down)s 户)",
        title=review.title,
        up=moves.get("up", 0),
        down=moves.get("down", 0),
    )
    notify_people(
        people.values(), kind="credit.review", title=title,
        link=f"/credit/reviews/{review.pk}/", policy=policy,
    )  # fmt: skip


def on_review_rejected(request: ApprovalRequest) -> None:
    CreditReview.objects.filter(pk=request.object_id, state=State.SUBMITTED).update(
        state=State.REJECTED
    )


def on_review_returned(request: ApprovalRequest) -> None:
    """Sent back: the reviewer adjusts and submits again."""
    CreditReview.objects.filter(pk=request.object_id, state=State.SUBMITTED).update(
        state=State.PROPOSED
    )


def open_scheduled_review(*, policy: Policy, today: date, now: datetime) -> CreditReview | None:
    """The job: on the first day of each review period (1 January and 1 July with six
    months), open the review of the months just ended, once."""
    rules = policy.credit.rating
    if not policy.credit.enabled or not rules.levels:
        return None
    if today.day != 1 or (today.month - 1) % rules.review_months:
        return None
    end = today - timedelta(days=1)
    if CreditReview.objects.filter(period_end=end).exclude(state=State.REJECTED).exists():
        return None
    try:
        return credit_review_start(by=None, policy=policy, period_end=end, now=now)
    except Conflict:
        return None  # a review is open, or another worker opened this one


READ = (RUN, "trade.add_invoice", "archive.view_customer_phone")


def may_read_reviews(user: User) -> bool:
    """Those who run the review, finance and the offices (who are told its results)."""
    return any(user.has_perm(p) for p in READ)


def reviews_for(user: User) -> QuerySet[CreditReview]:
    if not may_read_reviews(user):
        raise PermissionDenied(_("您没有查看信用评审的权限"))
    return CreditReview.objects.all()


def review_lines(
    user: User, review: CreditReview, *, changed: bool = False
) -> QuerySet[CreditReviewLine]:
    """The review's lines within the reader's scope; ``changed``: the customers whose
    rating would move (the 升(降)级 part of the form)."""
    lines = visible_to(user, review.lines.all()).select_related("customer")
    if changed:
        lines = lines.exclude(previous="").filter(
            ~Q(proposed=F("previous")) & Q(adjusted="")
            | (~Q(adjusted="") & ~Q(adjusted=F("previous")))
        )
    return lines.order_by("customer__name", "customer_id")


def rating_history(customer_id: int, *, limit: int = 10) -> list[CreditReviewLine]:
    """The customer's ratings as the applied reviews gave them, newest first: each change
    of its limit's share with the reason (the proposal, or the reviewer's comment) and the
    policy version of the review (issue 16 item 3)."""
    return list(
        CreditReviewLine.objects.filter(customer_id=customer_id, review__state=State.APPLIED)
        .select_related("review")
        .order_by("-review__applied_at", "-review_id")[:limit]
    )
