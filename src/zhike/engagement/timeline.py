"""The 360° page's one timeline (issue 19 item 8): follow-ups and visits, grade changes,
approvals about the customer and archive changes, newest first, paged by time so that a
page deep in a long history costs what the first one does (each source reads at most a
page before the cursor, by its own index)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import router
from django.db.models import Count, Exists, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from zhike.archive.models import Customer
from zhike.archive.selectors import customer_history
from zhike.compiled import CompiledQueries, CompiledQuery
from zhike.grading.labels import level_label
from zhike.grading.models import GradeChange
from zhike.org.models import User
from zhike.org.selectors import name_column
from zhike.policy.schema import Policy
from zhike.workflow.models import ApprovalRequest

from .models import Attachment, FollowUp, VisitReport


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "follow_up" | "grade" | "approval" | "change"
    follow_up: FollowUp | None = None
    grade: GradeChange | None = None
    approval: ApprovalRequest | None = None
    label: str = ""
    who: str = ""
    changes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_before: datetime | None  # the cursor of the next (older) page


def customer_timeline(
    user: User,
    customer: Customer,
    *,
    policy: Policy,
    before: datetime | None = None,
    size: int = 20,
) -> Page:
    """``customer`` is one ``user`` may see (the caller's ``access_customer``)."""
    values: dict[str, Any] = {"customer": customer.pk}
    if before is not None:
        values["before"] = before

    def newest[M: Model](source: type[M]) -> list[M]:
        compiled = _compiled(source, before, size)
        return compiled.instances(source, router.db_for_read(source), **values)

    entries = [Entry(at=f.occurred_at, kind="follow_up", follow_up=f) for f in newest(FollowUp)]
    for g in newest(GradeChange):
        who = g.by_name or ""  # type: ignore[attr-defined]  # a column of the compiled read
        entries.append(
            Entry(at=g.at, kind="grade", grade=g, label=_level_change(g, policy), who=who)
        )
    for a in newest(ApprovalRequest):
        who = a.requester_name  # type: ignore[attr-defined]
        entries.append(Entry(at=a.created_at, kind="approval", approval=a, who=who))
    entries += [
        Entry(at=h.created_at, kind="change", label=h.label, who=h.actor, changes=tuple(h.changes))
        for h in customer_history(customer, user=user, limit=size + 1, before=before)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    shown = entries[:size]
    return Page(shown, shown[-1].at if len(entries) > size else None)


# Each source's newest ``size + 1`` before the cursor, by its own (customer, time) index,
# compiled once per source, page size and first-or-later page: a timeline page ran four
# ORM compiles for three statements that mostly return nothing.
_STATEMENTS = CompiledQueries()


def _compiled(source: type, before: datetime | None, size: int) -> CompiledQuery:
    times = ("before",) if before is not None else ()
    return _STATEMENTS.get(
        (source, before is not None, size),
        lambda: CompiledQuery(partial(_READS[source], size=size), ids=("customer",), times=times),
    )


def _follow_ups(*, customer: int, size: int, before: datetime | None = None) -> QuerySet:
    rows = FollowUp.objects.filter(customer_id=customer)
    if before is not None:
        rows = rows.filter(occurred_at__lt=before)
    attachments = (
        Attachment.objects.filter(follow_up=OuterRef("pk"))
        .order_by()
        .values("follow_up")
        .annotate(n=Count("id"))
        .values("n")
    )
    return rows.annotate(
        by_name=name_column("by"),
        has_report=Exists(VisitReport.objects.filter(visit=OuterRef("pk"))),
        attachment_count=Coalesce(Subquery(attachments), 0),
    ).order_by("-occurred_at", "-id")[: size + 1]


def _grades(*, customer: int, size: int, before: datetime | None = None) -> QuerySet:
    rows = GradeChange.objects.filter(customer_id=customer)
    if before is not None:
        rows = rows.filter(at__lt=before)
    return rows.annotate(by_name=name_column("by")).order_by("-at", "-id")[: size + 1]


def _approvals(*, customer: int, size: int, before: datetime | None = None) -> QuerySet:
    rows = ApprovalRequest.objects.filter(customer_id=customer)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    rows = rows.annotate(requester_name=name_column("requester"))
    return rows.order_by("-created_at", "-id")[: size + 1]


_READS: dict[type, Callable[..., QuerySet]] = {
    FollowUp: _follow_ups,
    GradeChange: _grades,
    ApprovalRequest: _approvals,
}


def _level_change(change: GradeChange, policy: Policy) -> str:
    old = level_label(policy, change.axis, change.old) if change.old else "—"
    return f"{old} → {level_label(policy, change.axis, change.new)}"
