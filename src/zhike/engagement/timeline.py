"""The 360° page's one timeline (issue 19 item 8): follow-ups and visits, grade changes,
approvals about the customer and archive changes, newest first, paged by time so that a
page deep in a long history costs what the first one does (each source reads at most a
page before the cursor, by its own index)."""

from dataclasses import dataclass
from datetime import datetime

from zhike.archive.models import Customer
from zhike.archive.selectors import customer_history
from zhike.grading.labels import level_label
from zhike.grading.models import GradeChange
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.models import ApprovalRequest

from .models import FollowUp
from .selectors import follow_ups_of


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
    items = follow_ups_of(customer.pk)
    grades = GradeChange.objects.filter(customer_id=customer.pk).select_related("by")
    approvals = ApprovalRequest.objects.filter(customer_id=customer.pk).select_related("requester")
    if before is not None:
        items = items.filter(occurred_at__lt=before)
        grades = grades.filter(at__lt=before)
        approvals = approvals.filter(created_at__lt=before)
    entries = [Entry(at=f.occurred_at, kind="follow_up", follow_up=f) for f in items[: size + 1]]
    entries += [
        Entry(
            at=g.at,
            kind="grade",
            grade=g,
            label=_level_change(g, policy),
            who=str(g.by) if g.by else "",
        )
        for g in grades.order_by("-at", "-id")[: size + 1]
    ]
    entries += [
        Entry(at=a.created_at, kind="approval", approval=a, who=str(a.requester))
        for a in approvals.order_by("-created_at", "-id")[: size + 1]
    ]
    entries += [
        Entry(at=h.created_at, kind="change", label=h.label, who=h.actor, changes=tuple(h.changes))
        for h in customer_history(customer, user=user, limit=size + 1, before=before)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    shown = entries[:size]
    return Page(shown, shown[-1].at if len(entries) > size else None)


def _level_change(change: GradeChange, policy: Policy) -> str:
    old = level_label(policy, change.axis, change.old) if change.old else "—"
    return f"{old} → {level_label(policy, change.axis, change.new)}"
