"""The service-level sweep (SRV-5): warn the handler when a target's warning moment
passes, escalate at breach along the service chain, each exactly once.

Per batch: one UPDATE claims the targets still due (compare-and-set on ``next_check_at``,
with a fresh ``claim`` token) and moves each to its next check (the due moment after a
warning; none after a breach); one SELECT reads back what this sweep claimed; one INSERT
writes the notices. A second sweep at the same time finds the claimed rows no longer due.
A breach records who held the complaint then: it counts against them (s003-6 罚则).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_noop

from zhike.deferred import Deferred, deferred, stored_titles
from zhike.org.models import Department
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.workflow.notify import NoticeRow, notify_rows

from . import clock
from .models import Complaint, Target, TargetKind

# The targets' names as message ids: a notice reads in its reader's language.
WHAT: dict[str, str] = {
    TargetKind.SOLUTION: gettext_noop("提出解决方案"),
    TargetKind.CLOSURE: gettext_noop("结案"),
    TargetKind.WARNING: gettext_noop("重大投诉预警报告"),
    TargetKind.DOCUMENT: gettext_noop("出具退货处理报告或赔偿告知单"),
}


WARNING, BREACHED = "complaint.warning", "complaint.breached"


def _title(
    kind: str, number: str | None, due_at: datetime, breached_at: datetime | None
) -> Deferred:
    what = deferred(WHAT.get(kind, kind))
    if breached_at is None:
        return deferred(
            "投诉 %(number)s 的“%(what)s”即将到期(%(due)s)",
            number=number or "",
            what=what,
            due=f"{timezone.localtime(due_at):%m-%d %H:%M}",
        )
    return deferred("投诉 %(number)s 的“%(what)s”已超期", number=number or "", what=what)


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    notices: int = 0


def sweep_targets(*, policy: Policy, now: datetime, batch_size: int = 2000) -> SweepResult:
    clock.refresh_stale(policy=policy, now=now)  # a new policy moves open deadlines first
    result = SweepResult()
    chain = policy.escalation.get(policy.service.escalation)
    roles = chain.roles if chain else []
    departments = {d.pk: d for d in Department.objects.all()}
    people: dict[tuple[int | None, str], list[int]] = {}
    handler_now = Subquery(
        Complaint.objects.filter(pk=OuterRef("complaint_id")).values("handler_id")
    )
    while True:
        token = uuid.uuid4()
        with transaction.atomic():
            due_ids = list(
                Target.objects.filter(next_check_at__lte=now)
                .order_by("next_check_at")
                .values_list("id", flat=True)[:batch_size]
            )
            if not due_ids:
                break
            breach = Q(due_at__lte=now)
            Target.objects.filter(pk__in=due_ids, next_check_at__lte=now).update(
                claim=token,
                warned_at=Case(
                    When(~breach & Q(warned_at=None), then=Value(now)), default=F("warned_at")
                ),
                breached_at=Case(When(breach, then=Value(now)), default=Value(None)),
                breached_handler_id=Case(When(breach, then=handler_now), default=Value(None)),
                next_check_at=Case(When(breach, then=Value(None)), default=F("due_at")),
            )
            claimed = Target.objects.filter(claim=token).values_list(
                "kind",
                "due_at",
                "breached_at",
                "complaint_id",
                "complaint__number",
                "complaint__handler_id",
                "complaint__department_id",
            )
            rows = list(claimed)
            # One title per target, rendered with one switch to the company's language.
            titles = stored_titles(
                [
                    _title(kind, number, due_at, breached_at)
                    for kind, due_at, breached_at, _c, number, _h, _d in rows
                ]
            )
            notices: list[NoticeRow] = []
            for (_kind, _due, breached_at, complaint_id, _n, handler_id, department_id), (
                title,
                title_text,
            ) in zip(rows, titles, strict=True):
                link = f"/service/complaints/{complaint_id}/"
                if breached_at is None:
                    result.warned += 1
                    if handler_id:
                        notices.append((handler_id, WARNING, title, title_text, link))
                    continue
                result.breached += 1
                recipients = [handler_id] if handler_id else []
                for role in roles:
                    key = (department_id, role)
                    if key not in people:
                        near = departments.get(department_id) if department_id else None
                        people[key] = [p.pk for p in people_with_role(role, near=near)]
                    recipients += people[key]
                for recipient in dict.fromkeys(recipients):
                    notices.append((recipient, BREACHED, title, title_text, link))
            result.notices += notify_rows(notices, policy=policy)
    return result
