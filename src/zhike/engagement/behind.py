"""ENG-5: who is behind with the visits the treatment matrix requires (s000 六: 重点VIP和
优选类客户每月走访一次; s004's matrix), for the people a reader may see.

Two numbers per person, each one grouped query over the reader's scope:
- customers a salesperson owns whose last qualifying contact is older than their cell's
  revisit period (or who were never contacted) — for cells the owner revisits;
- overdue revisit duties (GRD-10's deadlines) of whoever the cell names (a manager, a
  vice president)."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhike.dates import months_before
from zhike.grading.models import Standing
from zhike.grading.treatment import OWNER_ROLE, REVISIT
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy
from zhike.workflow.models import Deadline, DeadlineState


@dataclass(frozen=True)
class Behind:
    user_id: int
    name: str
    uncontacted: int  # owned customers past their cell's revisit period
    overdue_revisits: int  # open revisit duties past due


def _owner_cells_condition(policy: Policy, now: datetime) -> Q | None:
    treatment = policy.grading.treatment
    if treatment is None:
        return None
    today = timezone.localdate(now)
    condition: Q | None = None
    for cell in treatment.cells:
        if not cell.revisit_every_months or OWNER_ROLE not in cell.revisit_roles:
            continue
        cutoff = datetime.combine(months_before(today, cell.revisit_every_months), time.min)
        stale = Q(customer__last_contact_at__isnull=True) | Q(
            customer__last_contact_at__lt=timezone.make_aware(cutoff)
        )
        term = Q(**cell.when) & stale
        condition = term if condition is None else condition | term
    return condition


def uncontacted(user: User, *, policy: Policy, now: datetime) -> QuerySet[Standing]:
    """The standings of customers in ``user``'s scope that are owed a visit."""
    condition = _owner_cells_condition(policy, now)
    if condition is None:
        return Standing.objects.none()
    return visible_to(user, Standing.objects.all()).filter(
        condition, customer__owner__isnull=False, customer__merged_into__isnull=True
    )


def who_is_behind(user: User, *, policy: Policy, now: datetime) -> list[Behind]:
    names: dict[int, str] = {}
    late: dict[int, int] = {}
    for owner_id, display, username, n in (
        uncontacted(user, policy=policy, now=now)
        .values("customer__owner")
        .annotate(n=Count("pk"))
        .values_list(
            "customer__owner", "customer__owner__display_name", "customer__owner__username", "n"
        )
    ):
        names[owner_id], late[owner_id] = display or username, n
    # Revisit duties of the people whose customers the reader sees (the duty is about a
    # customer: its scope is the customer's).
    visible_customers = visible_to(user, Standing.objects.all()).values("customer_id")
    overdue: dict[int, int] = {}
    for assignee_id, display, username, n in (
        Deadline.objects.filter(
            rule=REVISIT,
            state=DeadlineState.OPEN,
            due_at__lt=now,
            content_type__model="customer",
            object_id__in=visible_customers,
        )
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "assignee__display_name", "assignee__username", "n")
    ):
        names[assignee_id], overdue[assignee_id] = display or username, n
    rows = [Behind(pk, names[pk], late.get(pk, 0), overdue.get(pk, 0)) for pk in names]
    return sorted(rows, key=lambda r: (-(r.uncontacted + r.overdue_revisits), r.name))
