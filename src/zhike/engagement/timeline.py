"""The 360° page's one timeline (issue 19 item 8): follow-ups and visits, grade changes and
archive changes of a customer, newest first, paged by time so that a page deep in a long
history costs what the first one does (each source reads at most a page before the cursor,
by its own index)."""

from dataclasses import dataclass
from datetime import datetime

from zhike.archive.selectors import access_customer, customer_history
from zhike.grading.models import GradeChange
from zhike.org.models import User
from zhike.policy.schema import Policy

from .models import FollowUp
from .selectors import timeline as follow_ups


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "follow_up" | "grade" | "change"
    follow_up: FollowUp | None = None
    grade: GradeChange | None = None
    label: str = ""
    who: str = ""
    changes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_before: datetime | None  # the cursor of the next (older) page


def customer_timeline(
    user: User, customer_id: int, *, policy: Policy, before: datetime | None = None, size: int = 20
) -> Page:
    customer = access_customer(user, customer_id)
    items = follow_ups(user, customer_id)
    grades = GradeChange.objects.filter(customer_id=customer_id).select_related("by")
    if before is not None:
        items = items.filter(occurred_at__lt=before)
        grades = grades.filter(at__lt=before)
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
        Entry(at=h.created_at, kind="change", label=h.label, who=h.actor, changes=tuple(h.changes))
        for h in customer_history(customer, user=user, limit=size + 1, before=before)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    shown = entries[:size]
    return Page(shown, shown[-1].at if len(entries) > size else None)


def _level_change(change: GradeChange, policy: Policy) -> str:
    grading = policy.grading
    if change.axis == "grade":
        levels = {g.key: g.label for g in (grading.score.grades if grading.score else [])}
    else:
        rule = getattr(grading, change.axis, None)
        levels = {lv.key: lv.label for lv in (rule.levels if rule else [])}
    old = levels.get(change.old, change.old) or "—"
    return f"{old} → {levels.get(change.new, change.new)}"
