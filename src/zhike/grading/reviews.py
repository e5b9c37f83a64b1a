"""Review runs (GRD-4, GRD-5, GRD-6): propose every customer's grade and tier from the
ledger and the policy, let reviewers adjust, approve through the workflow core, apply.

The heavy work is set-based: one ``INSERT … SELECT`` fills the lines with each customer's
figures, one ``UPDATE`` scores them, and the tier quotas walk only the candidates of a
level in rank order. See ``bench/review.py`` for the figures at 1,000,000 customers.
"""

import logging
import math
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from zhike.archive.models import CustomerStatus
from zhike.audit.services import record
from zhike.db import parallel_plans, unique_or
from zhike.deferred import deferred, stored_title
from zhike.jobs import enqueue
from zhike.org.models import User
from zhike.policy.grading_schema import RULED_AXES, GradingPolicy, RuledAxis
from zhike.policy.schema import Policy
from zhike.trade.metrics import METRIC_COLUMNS, Period, metrics_sql
from zhike.workflow.approvals import approval_resubmit, approval_submit
from zhike.workflow.models import ApprovalRequest, ApprovalState, Notice
from zhike.workflow.notify import notify_many, notify_people

from . import rules_sql
from .errors import Conflict, GradingError, NotFound, PermissionDenied
from .models import GradeChange, Review, ReviewLine, Standing
from .selectors import review_period
from .treatment import refresh_priorities

APPROVAL_KIND = "grading_review"
logger = logging.getLogger("zhike.grading")
OPEN_STATES = (Review.State.COMPUTING, Review.State.PROPOSED, Review.State.SUBMITTED)
CHUNK = 5000


def _locked_review(review_id: int) -> Review:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("评审不存在"))
    return review


def _check_may_review(by: User) -> None:
    if not by.has_perm("grading.run_review"):
        raise PermissionDenied(_("您没有发起或调整分级评审的权限"))


@transaction.atomic
def review_start(
    *,
    by: User | None,
    policy: Policy,
    period_end: date,
    now: datetime,
    trigger: str = Review.Trigger.ON_DEMAND,
) -> Review:
    """Open a review of every customer; the figures are computed in a job."""
    if by is not None:
        _check_may_review(by)
    if policy.grading.score is None and policy.grading.tier is None:
        raise GradingError(_("管理制度中没有配置评分表或客户级别,无法评审"))
    already = Conflict(_("已有一个未完成的评审,请先完成或驳回它"))
    if Review.objects.filter(state__in=OPEN_STATES).exists():
        raise already
    period = review_period(policy, period_end)
    with unique_or(already):  # two starts at once: the constraint keeps one open
        review = Review.objects.create(
            **stored_title(deferred("%(end)s 客户分级评审", end=period_end.isoformat())),
            trigger=trigger,
            period_start=period.start,
            period_end=period.end,
            policy_version=policy.policy.version,
            policy=policy.model_dump(mode="json"),
            created_by=by,
        )
    record(review, "grading.review_started", by=by, details={"period_end": period_end})
    enqueue("grading.compute_review", review.pk)
    return review


def review_compute(*, review_id: int, now: datetime) -> bool:
    """The review job: figures, scores, tiers and the summary. Claimed by compare-and-set,
    so a redelivered job does nothing; returns whether this run did the work."""
    claimed = Review.objects.filter(
        pk=review_id, state=Review.State.COMPUTING, computed_at__isnull=True
    ).update(computed_at=now)
    if not claimed:
        return False
    review = Review.objects.get(pk=review_id)
    try:
        with transaction.atomic():
            _compute(review)
    except Exception:
        Review.objects.filter(pk=review_id).update(state=Review.State.FAILED)
        raise
    return True


def _compute(review: Review) -> None:
    policy = Policy.model_validate(review.policy)
    rules = policy.grading
    if connection.vendor == "postgresql":
        # A batch job over a million customers: let its hash aggregates stay in memory.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', %s, true)", [settings.ZHIKE_REVIEW_WORK_MEM]
            )
    _insert_lines(review, rules)
    lines = ReviewLine.objects.filter(review=review)
    summary: dict[str, Any] = {"customers": lines.count()}
    for column in RULED_AXES:
        axis: RuledAxis | None = getattr(rules, column)
        if axis is not None:
            summary[column] = _apply_quotas(review, axis, column, population=summary["customers"])
    summary["counts"] = review_counts(review)
    review.summary = summary
    review.state = Review.State.PROPOSED
    review.save(update_fields=["summary", "state"])


def _insert_lines(review: Review, rules: GradingPolicy) -> None:
    """One ``INSERT … SELECT``: every customer's figures, current standing, each
    indicator's points, score, grade and the highest level met on each axis (quotas come
    after, on the holders only).

    The policy's rules are Django expressions over review-line fields (rules_sql). To
    evaluate them on the figures without writing the figures first, the SELECT Django
    compiles over the review-line table gets the figures subquery as that table: the
    subquery is aliased with the table's name, so every column reference resolves to it.
    The outer SELECT adds the score and grade from the points, so each indicator (and its
    rating lookup) is evaluated once per line.
    """
    period = Period(review.period_start, review.period_end)
    figures, figure_params = metrics_sql(
        period, volume_unit=rules.volume_unit, without_status=CustomerStatus.BLACKLISTED
    )
    inner: dict[str, Any] = {}
    card = rules.score
    if card is not None:
        inner |= {f"pt_{i.key}": rules_sql.points_expression(i) for i in card.indicators}
        inner["grade_note"] = rules_sql.grade_note_expression(rules, review.period_end)
    for column in RULED_AXES:
        axis: RuledAxis | None = getattr(rules, column)
        if axis is not None:
            inner[column] = rules_sql.first_level_expression(axis, on=review.period_end)
    aliases = {f"proposed_{name}": expression for name, expression in inner.items()}
    select = ReviewLine.objects.annotate(**aliases).values_list(
        "customer_id", *METRIC_COLUMNS, *aliases
    )
    select_sql, select_params = select.query.sql_with_params()
    q = connection.ops.quote_name
    table = q(ReviewLine._meta.db_table)
    head, from_, tail = select_sql.partition(f" FROM {table}")
    if not from_ or "%s" in tail:  # the rules add parameters only in the SELECT list
        raise RuntimeError("unexpected review SELECT shape")
    select_sql = f"{head} FROM ({figures}) {table}{tail}"
    if connection.vendor == "postgresql":
        # A fence: without it PostgreSQL inlines the subquery and evaluates each
        # indicator (a rating lookup) again wherever the outer SELECT uses its points.
        select_sql += " OFFSET 0"

    proposed: dict[str, str] = {
        c: f"m.proposed_{c}" for c in ("grade_note", *RULED_AXES) if c in inner
    }
    if card is not None:
        proposed |= rules_sql.score_sql(
            card,
            rules,
            period_end=review.period_end,
            points={i.key: f"m.proposed_pt_{i.key}" for i in card.indicators},
            first_order_on="m.first_order_on",
            vendor=connection.vendor,
        )
    blanks = [c for c in ("grade", "grade_note", *RULED_AXES) if c not in proposed]
    blanks += ["tier_missed", "tier_missed_quota", "adjusted_grade", "adjusted_tier"]
    blanks += ["adjust_comment"]
    columns = ["review_id", "customer_id", *METRIC_COLUMNS, *proposed]
    previous = ["grade", *RULED_AXES]
    columns += [f"previous_{c}" for c in previous] + blanks
    values = ", ".join(
        [
            *(f"m.{c} AS {c}" for c in ["customer_id", *METRIC_COLUMNS]),
            *(f"{sql} AS {column}" for column, sql in proposed.items()),
        ]
    )
    standing = q(Standing._meta.db_table)
    proposals = f"""
SELECT %s AS review_id, {values},
       {", ".join(f"COALESCE(s.{c}, '') AS previous_{c}" for c in previous)},
       {", ".join(f"'' AS {blank}" for blank in blanks)}
FROM ({select_sql}) m
LEFT JOIN {standing} s ON s.customer_id = m.customer_id
"""
    # Computed into a temporary table first: PostgreSQL runs a CREATE TABLE AS with
    # parallel workers, an INSERT … SELECT without (the aggregates are most of the work);
    # the copy into the review's lines is then a plain sequential write.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS review_proposals")
        with parallel_plans():
            cursor.execute(
                f"CREATE TEMPORARY TABLE review_proposals AS {proposals}",
                [review.pk, *select_params, *figure_params],
            )
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM review_proposals"
        )
        cursor.execute("DROP TABLE review_proposals")


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _apply_quotas(review: Review, axis: RuledAxis, column: str, *, population: int) -> list[dict]:
    """Hold each quota level to its places (GRD-4), highest level first.

    Every line already holds the highest level it meets. A quota level's holders are
    ranked by the policy's ``rank_by`` figures, largest first; walking them in order, one
    keeps its place unless the overall quota or the quota of its main category is full.
    One left out falls to the next level it meets (where that level's quota applies in
    turn); the first level it missed, its rank and which quota was full are recorded.
    """
    lines = ReviewLine.objects.filter(review=review)
    category_sizes = dict(
        lines.exclude(main_category=None)
        .values_list("main_category")
        .annotate(n=Count("id"))
        .values_list("main_category", "n")
    )
    report = []
    for index, level in enumerate(axis.levels[:-1]):
        entry: dict[str, Any] = {"level": level.key, "label": level.label}
        if level.quota is None:
            report.append(entry)
            continue
        quota = level.quota
        cap_all = math.floor(quota.share_of_all * population) if quota.share_of_all else None
        caps = {
            category: math.floor(quota.share_of_category * size)
            for category, size in category_sizes.items()
        } if quota.share_of_category else {}  # fmt: skip
        kept = 0
        missed: list[ReviewLine] = []
        taken: Counter[str | None] = Counter()
        ordering = [F(metric).desc(nulls_last=True) for metric in axis.rank_by]
        holders = lines.filter(**{column: level.key}).order_by(*ordering, "customer_id")
        rank = 0
        for rank, (line_id, category) in enumerate(
            holders.values_list("id", "main_category").iterator(chunk_size=CHUNK), 1
        ):
            if cap_all is not None and kept >= cap_all:
                missed.append(ReviewLine(id=line_id, tier_rank=rank, tier_missed_quota="all"))
            elif category in caps and taken[category] >= caps[category]:
                missed.append(ReviewLine(id=line_id, tier_rank=rank, tier_missed_quota="category"))
            else:
                kept += 1
                taken[category] += 1
        _demote(lines, [m.pk for m in missed], axis, column, below=index, on=review.period_end)
        if column == "tier":
            _record_missed(missed, level.key)
        entry |= {
            "candidates": rank,
            "accepted": kept,
            "cap_all": cap_all,
            "share_of_all": str(quota.share_of_all) if quota.share_of_all else None,
            "share_of_category": (
                str(quota.share_of_category) if quota.share_of_category else None
            ),
            "missed_all": sum(1 for m in missed if m.tier_missed_quota == "all"),
            "missed_category": sum(1 for m in missed if m.tier_missed_quota == "category"),
            "categories": {
                category: {
                    "customers": category_sizes[category],
                    "cap": cap,
                    "taken": taken[category],
                }
                for category, cap in sorted(caps.items())
            },
        }
        report.append(entry)
    final = dict(lines.values_list(column).annotate(n=Count("id")).values_list(column, "n"))
    for entry in report:
        entry.setdefault("accepted", final.get(entry["level"], 0))
        entry.setdefault("candidates", entry["accepted"])
    return report


def _demote(
    lines: QuerySet[ReviewLine],
    line_ids: list[int],
    axis: RuledAxis,
    column: str,
    *,
    below: int,
    on: date,
) -> None:
    """Move lines left out of level ``below`` to the next level each meets."""
    remaining = line_ids
    for level in axis.levels[below + 1 : -1]:
        if not remaining:
            return
        meets = set()
        for chunk in _chunks(remaining):
            matched = lines.filter(id__in=chunk).filter(
                rules_sql.level_condition(level.criteria, on=on)
            )
            meets |= set(matched.values_list("id", flat=True))
        for chunk in _chunks(sorted(meets)):
            lines.filter(id__in=chunk).update(**{column: level.key})
        remaining = [i for i in remaining if i not in meets]
    for chunk in _chunks(remaining):
        lines.filter(id__in=chunk).update(**{column: axis.default.key})


def _record_missed(missed: list[ReviewLine], level: str) -> None:
    """Write who was left out of ``level``, their rank and the full quota — a few
    statements for a hundred thousand lines (``UPDATE … FROM`` a VALUES list). The first
    (highest) level a line missed is kept: lower levels don't overwrite it."""
    table = connection.ops.quote_name(ReviewLine._meta.db_table)
    for start in range(0, len(missed), CHUNK):
        chunk = missed[start : start + CHUNK]
        rows = ", ".join(["(%s, %s, %s)"] * len(chunk))
        params: list[Any] = [level]
        for line in chunk:
            params += [line.pk, line.tier_rank, line.tier_missed_quota]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
WITH missed(id, tier_rank, quota) AS (VALUES {rows})
UPDATE {table} SET tier_missed = %s, tier_rank = missed.tier_rank,
                   tier_missed_quota = missed.quota
FROM missed WHERE {table}.id = missed.id AND {table}.tier_missed = ''
""",
                [*params[1:], params[0]],
            )


def review_counts(review: Review) -> dict[str, dict[str, int]]:
    """How many customers each final grade and tier holds, and how many changed: one
    GROUP BY over the lines (a few dozen groups), folded here."""
    final_grade, final_tier = _final("grade"), _final("tier")
    groups = (
        ReviewLine.objects.filter(review=review)
        .annotate(
            grade_final=final_grade,
            tier_final=final_tier,
            grade_changed=_differs("previous_grade", final_grade),
            tier_changed=_differs("previous_tier", final_tier),
        )
        .values_list(
            "grade_final", "tier_final", "size_class", "behaviour", "grade_changed",
            "tier_changed",
        )
        .annotate(n=Count("id"))
        .order_by()
    )  # fmt: skip
    axes = ("grade", *RULED_AXES)
    counts: dict[str, dict[str, int]] = {axis: {} for axis in axes}
    counts["changed"] = {"grade": 0, "tier": 0}
    for *values, grade_changed, tier_changed, n in groups:
        for column, value in zip(axes, values, strict=True):
            counts[column][value] = counts[column].get(value, 0) + n
        counts["changed"]["grade"] += n if grade_changed else 0
        counts["changed"]["tier"] += n if tier_changed else 0
    return counts


def _differs(column: str, final: Case) -> Case:
    return Case(When(**{column: final}, then=Value(0)), default=Value(1))


def _final(column: str) -> Case:
    """The reviewer's adjustment where there is one, else the proposal."""
    return Case(
        When(**{f"adjusted_{column}": ""}, then=F(column)),
        default=F(f"adjusted_{column}"),
    )


@transaction.atomic
def review_adjust(
    *,
    by: User,
    review_id: int,
    customer_id: int,
    comment: str,
    grade: str | None = None,
    tier: str | None = None,
) -> ReviewLine:
    """A reviewer changes one proposal, with a reason (GRD-6). A tier with a quota cannot
    be given beyond its quota (GRD-4)."""
    from .selectors import review_lines_for

    _check_may_review(by)
    review = _locked_review(review_id)
    if review.state != Review.State.PROPOSED:
        raise GradingError(_("只有待审核的评审可以调整"))
    comment = comment.strip()
    if not comment:
        raise GradingError(_("请填写调整理由"), field="comment")
    try:
        line = review_lines_for(by, review).get(customer_id=customer_id)
    except ReviewLine.DoesNotExist:
        raise GradingError(_("评审中没有该客户,或您无权查看")) from None
    rules = Policy.model_validate(review.policy).grading
    if grade is not None:
        known = [g.key for g in rules.score.grades] if rules.score else []
        if grade not in known:
            raise GradingError(_("无效的等级 %(g)s") % {"g": grade}, field="grade")
        line.adjusted_grade = "" if grade == line.grade else grade
    if tier is not None:
        levels = {level.key: level for level in rules.tier.levels} if rules.tier else {}
        if tier not in levels:
            raise GradingError(_("无效的级别 %(t)s") % {"t": tier}, field="tier")
        _check_quota_room(review, line, levels[tier], population=review.summary["customers"])
        line.adjusted_tier = "" if tier == line.tier else tier
    line.adjust_comment, line.adjusted_by = comment, by
    line.save(update_fields=["adjusted_grade", "adjusted_tier", "adjust_comment", "adjusted_by"])
    review.summary["counts"] = review_counts(review)
    review.save(update_fields=["summary"])
    record(
        review,
        "grading.review_adjusted",
        by=by,
        details={"customer": customer_id, "grade": grade, "tier": tier, "comment": comment},
    )
    return line


def _check_quota_room(review: Review, line: ReviewLine, level: Any, *, population: int) -> None:
    if level.quota is None or line.final_tier == level.key:
        return
    holders = ReviewLine.objects.filter(review=review).filter(
        Q(adjusted_tier=level.key) | Q(adjusted_tier="", tier=level.key)
    )
    share = level.quota.share_of_all
    if share is not None and holders.count() >= math.floor(share * population):
        raise GradingError(
            _("%(label)s 名额已满(不超过全部客户的 %(share)s%%)")
            % {"label": level.label, "share": share * 100},
            field="tier",
        )
    share = level.quota.share_of_category
    if share is not None and line.main_category is not None:
        same = ReviewLine.objects.filter(review=review, main_category=line.main_category)
        if holders.filter(main_category=line.main_category).count() >= math.floor(
            share * same.count()
        ):
            raise GradingError(
                _("品种「%(c)s」的%(label)s名额已满(不超过该品种客户的 %(share)s%%)")
                % {"c": line.main_category, "label": level.label, "share": share * 100},
                field="tier",
            )


@transaction.atomic
def review_submit(*, by: User, review_id: int, policy: Policy, now: datetime) -> ApprovalRequest:
    """Send the review for approval through the policy's ``grading_review`` chain."""
    _check_may_review(by)
    review = _locked_review(review_id)
    if review.state != Review.State.PROPOSED:
        raise GradingError(_("只有待审核的评审可以提交审批"))
    returned = ApprovalRequest.objects.filter(
        kind=APPROVAL_KIND,
        content_type=ContentType.objects.get_for_model(Review),
        object_id=review.pk,
        state=ApprovalState.RETURNED,
    ).first()
    if returned is not None:  # sent back for changes: the same request, a new round
        request = approval_resubmit(request_id=returned.pk, by=by, policy=policy, now=now)
    else:
        request = approval_submit(
            kind=APPROVAL_KIND,
            subject=review,
            title=review.title_source,
            by=by,
            policy=policy,
            now=now,
        )
    review.state = Review.State.SUBMITTED
    review.save(update_fields=["state"])
    return request


def on_review_approved(request: ApprovalRequest) -> None:
    review = Review.objects.select_for_update().get(pk=request.object_id)
    review_apply(review=review, now=request.decided_at or review.created_at)
    notify_many(
        [
            Notice(
                recipient=request.requester,
                kind="grading.review_applied",
                **stored_title(deferred("分级评审已生效:%(t)s", t=review.title_source)),
                link=f"/grading/reviews/{review.pk}/",
            )
        ]
    )


def on_review_rejected(request: ApprovalRequest) -> None:
    Review.objects.filter(pk=request.object_id).update(state=Review.State.REJECTED)


def on_review_returned(request: ApprovalRequest) -> None:
    Review.objects.filter(pk=request.object_id).update(state=Review.State.PROPOSED)


def review_apply(*, review: Review, now: datetime) -> None:
    """Make the review's final grades and tiers current, at once and set-based: the
    changes go to the history, the standing table is upserted (GRD-6)."""
    if review.state == Review.State.APPLIED:
        return
    q = connection.ops.quote_name
    lines, changes, standing = (q(m._meta.db_table) for m in (ReviewLine, GradeChange, Standing))
    final = {
        "grade": "COALESCE(NULLIF(adjusted_grade, ''), grade)",
        "tier": "COALESCE(NULLIF(adjusted_tier, ''), tier)",
        "size_class": "size_class",
        "behaviour": "behaviour",
    }
    with connection.cursor() as cursor:
        for axis, expression in final.items():
            reason = "adjust_comment" if axis in ("grade", "tier") else "''"
            cursor.execute(
                f"""
INSERT INTO {changes} (customer_id, axis, old, new, source, review_id, reason,
                       policy_version, by_id, at)
SELECT customer_id, %s, previous_{axis}, {expression}, %s, review_id, {reason}, %s, NULL, %s
FROM {lines} WHERE review_id = %s AND {expression} <> previous_{axis}
""",
                [axis, GradeChange.Source.REVIEW, review.policy_version, now, review.pk],
            )
        cursor.execute(
            f"""
INSERT INTO {standing} (customer_id, grade, tier, size_class, behaviour, review_id,
                        policy_version, since)
SELECT customer_id, {final["grade"]}, {final["tier"]}, size_class, behaviour, review_id, %s, %s
FROM {lines} WHERE review_id = %s
ON CONFLICT (customer_id) DO UPDATE SET
    grade = excluded.grade, tier = excluded.tier, size_class = excluded.size_class,
    behaviour = excluded.behaviour,
    review_id = excluded.review_id, policy_version = excluded.policy_version,
    since = excluded.since
""",
            [review.policy_version, now, review.pk],
        )
    refresh_priorities(Standing.objects.filter(review=review), Policy.model_validate(review.policy))
    review.state = Review.State.APPLIED
    review.applied_at = now
    review.save(update_fields=["state", "applied_at"])
    record(review, "grading.review_applied", details={"counts": review.summary.get("counts")})


def start_scheduled_review(*, policy: Policy, today: date, now: datetime) -> Review | None:
    """GRD-6: on the policy's review days (s000 half-yearly, s003-8 late March, s004 year
    end) the review starts by itself; managers who run reviews are told it is ready.
    Idempotent per day; skipped (and said so in the log) while another review is open."""
    rules = policy.grading
    if today.month not in rules.review_months or today.day != rules.review_day:
        return None
    if Review.objects.filter(trigger=Review.Trigger.SCHEDULED, period_end=today).exists():
        return None
    try:
        review = review_start(
            by=None, policy=policy, period_end=today, now=now, trigger=Review.Trigger.SCHEDULED
        )
    except GradingError:
        logger.warning("scheduled review of %s skipped: another review is open", today)
        return None
    reviewers = User.objects.filter(
        is_active=True, roles__permissions__codename="run_review"
    ).distinct()
    notify_people(
        reviewers,
        kind="grading.review_scheduled",
        title=deferred("定期客户分级评审已开始:%(t)s", t=review.title_source),
        link=f"/grading/reviews/{review.pk}/",
        policy=policy,
    )
    return review
