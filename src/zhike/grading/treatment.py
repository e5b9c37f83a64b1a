"""The treatment matrix (GRD-10, s004 分类客户享有待遇; s000 六 走访): what a customer's
levels mean for how the company serves it. Other modules read :func:`treatment_for` or
sort by ``Standing.priority``; the revisit cadence becomes deadlines."""

import calendar
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from zhike.archive.models import Customer
from zhike.deferred import deferred, stored_title
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.grading_schema import TreatmentCell
from zhike.policy.schema import Policy
from zhike.workflow.models import Deadline

from .models import Standing

REVISIT = "revisit"
# In ``revisit_roles``, "salesperson" means the customer's own salesperson (its owner), not
# whichever salesperson is nearest: s000's 走访 is the account's own.
OWNER_ROLE = "salesperson"


def treatment_for(standing: Standing | None, policy: Policy) -> TreatmentCell | None:
    """The first cell whose levels the customer holds (cells are tried in policy order)."""
    if standing is None or policy.grading.treatment is None:
        return None
    for cell in policy.grading.treatment.cells:
        if all(getattr(standing, axis) == value for axis, value in cell.when.items()):
            return cell
    return None


def refresh_priorities(standings: QuerySet[Standing], policy: Policy) -> int:
    """Set ``priority`` from the matrix for these standings, in one UPDATE."""
    treatment = policy.grading.treatment
    if treatment is None:
        return standings.update(priority=None)
    whens = [When(Q(**cell.when), then=Value(cell.priority)) for cell in treatment.cells]
    return standings.update(priority=Case(*whens, default=Value(None), output_field=IntegerField()))


def revisit_period(today: date, every_months: int) -> tuple[date, date]:
    """The calendar period of ``every_months`` containing ``today`` (quarters for 3…)."""
    first_month = (today.month - 1) // every_months * every_months + 1
    start = date(today.year, first_month, 1)
    last_month = first_month + every_months - 1
    year, month = today.year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return start, date(year, month, calendar.monthrange(year, month)[1])


def schedule_revisits(*, policy: Policy, today: date) -> int:
    """Open this period's revisit deadlines (s004: 主管副总经理、业务部经理每季度回访…):
    one per customer and revisiting role, due at the period's end; a visit recorded by the
    assignee closes it. Idempotent: a customer with this period's deadline gets no other."""
    treatment = policy.grading.treatment
    if treatment is None:
        return 0
    customer_type = ContentType.objects.get_for_model(Customer)
    zone = ZoneInfo(settings.TIME_ZONE)
    nearest: dict[tuple[str, int | None], User | None] = {}
    created = 0
    for cell in treatment.cells:
        if not cell.revisit_every_months:
            continue
        _start, end = revisit_period(today, cell.revisit_every_months)
        due = datetime.combine(end, time(18), tzinfo=zone)
        opened = Deadline.objects.filter(
            rule=REVISIT,
            content_type=customer_type,
            object_id=OuterRef("customer_id"),
            due_at=due,
        )
        customers = (
            Standing.objects.filter(**cell.when)
            .filter(~Exists(opened))
            .values_list(
                "customer_id", "customer__name", "customer__department_id", "customer__owner_id"
            )
        )
        batch: list[Deadline] = []
        for customer_id, name, department_id, owner_id in customers.iterator(chunk_size=2000):
            for role in cell.revisit_roles:
                assignee_id: int | None
                if role == OWNER_ROLE:  # the salesperson who owns the customer visits it
                    assignee_id = owner_id
                else:
                    key = (role, department_id)
                    if key not in nearest:
                        from zhike.org.models import Department

                        department = Department.objects.filter(pk=department_id).first()
                        people = people_with_role(role, near=department)
                        nearest[key] = people[0] if people else None
                    person = nearest[key]
                    assignee_id = person.pk if person is not None else None
                if assignee_id is None:
                    continue
                batch.append(
                    Deadline(
                        rule=REVISIT,
                        **stored_title(
                            deferred(
                                "客户回访(%(cell)s,每 %(n)s 个月):%(name)s",
                                cell=cell.label,
                                n=cell.revisit_every_months,
                                name=name,
                            )
                        ),
                        link=f"/customers/{customer_id}/",
                        content_type=customer_type,
                        object_id=customer_id,
                        assignee_id=assignee_id,
                        due_at=due,
                        next_escalation_at=due,
                        policy_version=policy.policy.version,
                    )
                )
            if len(batch) >= 2000:
                created += len(Deadline.objects.bulk_create(batch))
                batch = []
        created += len(Deadline.objects.bulk_create(batch))
    return created


REPORT = "grading_report"


def schedule_reports(*, policy: Policy, today: date) -> int:
    """Open this period's report deadlines (s004 定期汇报: A 每月, B 每三个月, C 每六个月):
    one per salesperson and cell, naming how many of their customers it covers, due at the
    period's end. Idempotent, like :func:`schedule_revisits`."""
    treatment = policy.grading.treatment
    if treatment is None:
        return 0
    zone = ZoneInfo(settings.TIME_ZONE)
    created = []
    for cell in treatment.cells:
        if not cell.report_every_months:
            continue
        _start, end = revisit_period(today, cell.report_every_months)
        due = datetime.combine(end, time(18), tzinfo=zone)
        title = deferred(
            "定期汇报(%(cell)s,每 %(n)s 个月)", cell=cell.label, n=cell.report_every_months
        )
        prefix = stored_title(title)["title"]
        already = set(
            Deadline.objects.filter(rule=REPORT, due_at=due, title__startswith=prefix).values_list(
                "assignee_id", flat=True
            )
        )
        owners = (
            Standing.objects.filter(**cell.when, customer__owner__isnull=False)
            .values_list("customer__owner")
            .annotate(n=Count("pk"))
            .values_list("customer__owner", "n")
        )
        created += [
            Deadline(
                rule=REPORT,
                **stored_title(deferred("%(title)s:%(n)s 位客户", title=title, n=count)),
                link="/visits/reports/",
                assignee_id=owner_id,
                due_at=due,
                next_escalation_at=due,
                policy_version=policy.policy.version,
            )
            for owner_id, count in owners
            if owner_id not in already
        ]
    return len(Deadline.objects.bulk_create(created, batch_size=2000))
