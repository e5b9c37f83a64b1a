"""Deadlines and escalation (SRV-5, NTF-1): services open them, closing the work closes
them, and a periodic sweep escalates overdue ones along the policy's chain.

Escalation levels: 0 = not yet due. When ``next_escalation_at`` passes, the sweep raises
the level by one: level 1 tells the assignee the item is overdue and the chain's first
role; level k tells the chain's k-th role; after the last role it stops.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, F, Model, Value, When
from django.db.models.functions import Coalesce

from zhike.deferred import Deferred, deferred, stored_title
from zhike.org.models import Department, User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Duration, Policy

from .models import Deadline, DeadlineState, Notice
from .notify import notify_many
from .selectors import company_calendar, due_after


def deadline_open(
    *,
    title: str | Deferred,
    assignee: User,
    start: datetime,
    within: Duration,
    policy: Policy,
    rule: str,
    escalation: str = "default",
    subject: Model | None = None,
    link: str = "",
) -> Deadline:
    """Open a deadline ``within`` after ``start`` on the assignee's calendar."""
    if escalation not in policy.escalation:
        raise ValueError(f"unknown escalation chain {escalation!r}")
    moment = due_after(company_calendar(policy, assignee.department), start, within)
    return Deadline.objects.create(
        escalation_level=own_level(assignee, policy.escalation[escalation].roles),
        rule=rule,
        **stored_title(title),
        link=link,
        content_type=ContentType.objects.get_for_model(subject) if subject else None,
        object_id=subject.pk if subject else None,
        assignee=assignee,
        due_at=moment.at,
        next_escalation_at=moment.at,
        escalation=escalation,
        beyond_calendar_data=moment.beyond_data,
        policy_version=policy.policy.version,
    )


def own_level(assignee: User, roles: list[str]) -> int:
    """Where the assignee already stands in the chain: an escalation goes up from there,
    never to someone below (a sales manager's overdue item goes to the vice president, not
    to the supervisor). At the top, only the overdue notice is left."""
    held = set(assignee.roles.values_list("code", flat=True))
    ranks = [i + 1 for i, role in enumerate(roles) if role in held]
    return min(max(ranks, default=0), len(roles) - 1)


def deadline_open_by_rule(
    *,
    rule: str,
    assignee: User,
    start: datetime,
    policy: Policy,
    title: str | Deferred = "",
    subject: Model | None = None,
    link: str = "",
) -> Deadline:
    """Open a deadline for one of the policy's named rules (``[deadlines.<rule>]``)."""
    definition = policy.deadlines[rule]
    return deadline_open(
        title=title or definition.name,
        assignee=assignee,
        start=start,
        within=definition.within,
        policy=policy,
        rule=rule,
        escalation=definition.escalation,
        subject=subject,
        link=link,
    )


def deadlines_close(
    *,
    subject: Model,
    now: datetime,
    rule: str | None = None,
    cancelled: bool = False,
    assignee: User | None = None,
) -> int:
    """Close the open deadlines about ``subject`` (the work is done, or moot); only
    ``assignee``'s when given."""
    items = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        state=DeadlineState.OPEN,
    )
    if rule is not None:
        items = items.filter(rule=rule)
    if assignee is not None:
        items = items.filter(assignee=assignee)
    return items.update(
        state=DeadlineState.CANCELLED if cancelled else DeadlineState.DONE,
        closed_at=now,
        next_escalation_at=None,
    )


def deadlines_hand_over(
    *,
    model: type[Model],
    object_ids: list[int],
    to_user_id: int | None,
    from_user_ids: list[int] | None = None,
) -> int:
    """Give the open deadlines about these records to ``to_user_id``: a customer changed
    hands, and its open to-dos follow it to the new owner or the pool's admin. Only those
    of ``from_user_ids`` when given; ``to_user_id`` None leaves them where they are."""
    if to_user_id is None or not object_ids:
        return 0
    items = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=object_ids,
        state=DeadlineState.OPEN,
    )
    if from_user_ids is not None:
        items = items.filter(assignee_id__in=from_user_ids)
    return items.exclude(assignee_id=to_user_id).update(assignee_id=to_user_id)


@dataclass
class SweepResult:
    escalated: int = 0
    notices: int = 0
    by_level: dict[int, int] = field(default_factory=dict)


def sweep_overdue(*, policy: Policy, now: datetime, batch_size: int = 2000) -> SweepResult:
    """Escalate every open deadline whose next escalation is due, each level exactly once.

    Per batch: one UPDATE claims the rows still due (compare-and-set on
    ``next_escalation_at <= now``, with a fresh ``claim`` token), one SELECT reads back
    what this sweep claimed, one INSERT writes the notices. A second sweep running at the
    same time finds the claimed rows no longer due and skips them.
    """
    result = SweepResult()
    calendar = company_calendar(policy)
    people: dict[tuple[int | None, str], list[User]] = {}
    departments = {d.pk: d for d in Department.objects.all()}

    for chain_name, chain in policy.escalation.items():
        levels = len(chain.roles)
        next_at = due_after(calendar, now, chain.interval).at
        while True:
            token = uuid.uuid4()
            with transaction.atomic():
                due_ids = list(
                    Deadline.objects.filter(
                        state=DeadlineState.OPEN,
                        escalation=chain_name,
                        next_escalation_at__lte=now,
                    )
                    .order_by("next_escalation_at")
                    .values_list("id", flat=True)[:batch_size]
                )
                if not due_ids:
                    break
                Deadline.objects.filter(
                    pk__in=due_ids, state=DeadlineState.OPEN, next_escalation_at__lte=now
                ).update(
                    claim=token,
                    escalation_level=F("escalation_level") + 1,
                    overdue_since=Coalesce(F("overdue_since"), Value(now)),
                    # SET expressions see the row before the update: old level + 1 >= levels.
                    next_escalation_at=Case(
                        When(escalation_level__gte=levels - 1, then=Value(None)),
                        default=Value(next_at),
                    ),
                )
                # Plain rows, not model instances: this loop runs once per escalated item.
                claimed = list(
                    Deadline.objects.filter(claim=token).values_list(
                        "overdue_since",
                        "title",
                        "title_text",
                        "link",
                        "escalation_level",
                        "assignee_id",
                        "assignee__display_name",
                        "assignee__username",
                        "assignee__department_id",
                    )
                )
                notices = []
                for (
                    since,
                    title,
                    title_text,
                    link,
                    level,
                    assignee_id,
                    name,
                    username,
                    department_id,
                ) in claimed:
                    result.by_level[level] = result.by_level.get(level, 0) + 1
                    about = Deferred.from_json(title_text) if title_text else title
                    if since == now:  # its first escalation: the assignee is told first
                        notices.append(
                            Notice(
                                recipient_id=assignee_id,
                                kind="deadline.overdue",
                                **stored_title(deferred("已逾期:%(title)s", title=about)),
                                link=link,
                            )
                        )
                    key = (department_id, chain.roles[level - 1])
                    if key not in people:
                        people[key] = people_with_role(
                            key[1], near=departments.get(department_id) if department_id else None
                        )
                    who = name or username
                    for person in people[key]:
                        if person.pk == assignee_id:
                            continue
                        notices.append(
                            Notice(
                                recipient_id=person.pk,
                                kind="deadline.escalated",
                                **stored_title(
                                    deferred(
                                        "逾期升级(第 %(level)s 级):%(who)s 的“%(title)s”",
                                        level=level,
                                        who=who,
                                        title=about,
                                    )
                                ),
                                link=link,
                            )
                        )
                notify_many(notices, policy=policy)
                result.escalated += len(claimed)
                result.notices += len(notices)
    return result
