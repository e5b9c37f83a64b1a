"""Collection (CRD-4, s004 正常收帐期内由办事处催收,超过的由企划部门负责): a daily,
idempotent job. An unpaid invoice coming due is a deadline for the customer's owner on its
due day; once overdue, one for the policy's collection role (nearest the customer's
department), due some days later and escalating like any deadline; a settled invoice's
open collection deadlines close. Set-based: one query per kind, deadlines in batches."""

from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef

from zhike.dates import day_end
from zhike.deferred import Deferred, deferred, stored_title
from zhike.org.models import Department
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice
from zhike.workflow.models import Deadline, DeadlineState

IN_TERM, OVERDUE = "credit.collect", "credit.collect_overdue"
BATCH = 2000


def open_collection(*, policy: Policy, today: date) -> int:
    credit = policy.credit
    if not credit.enabled:
        return 0
    invoice_type = ContentType.objects.get_for_model(Invoice)
    opened = Deadline.objects.filter(content_type=invoice_type, object_id=OuterRef("pk"))
    created = 0
    # Settled since the last run: their collection is done.
    paid = Invoice.objects.filter(paid_on__isnull=False).values("pk")
    Deadline.objects.filter(
        content_type=invoice_type,
        rule__in=[IN_TERM, OVERDUE],
        state=DeadlineState.OPEN,
        object_id__in=paid,
    ).update(state=DeadlineState.DONE, closed_at=day_end(today), next_escalation_at=None)
    coming = (
        Invoice.objects.filter(
            paid_on__isnull=True,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=credit.collection_notice_days),
            customer__owner__isnull=False,
        )
        .filter(~Exists(opened.filter(rule=IN_TERM)))
        .values_list(
            "pk", "number", "due_on", "customer__name", "customer__owner_id", "customer_id"
        )
    )
    batch = []
    for pk, number, due_on, name, owner_id, customer_id in coming.iterator(chunk_size=BATCH):
        batch.append(
            _deadline(
                IN_TERM,
                pk,
                owner_id,
                day_end(due_on),
                invoice_type,
                policy,
                deferred(
                    "催收:%(name)s %(number)s(%(due)s 到期)",
                    name=name,
                    number=number,
                    due=f"{due_on:%m-%d}",
                ),
                f"/credit/customers/{customer_id}/ship/",
            )
        )
        if len(batch) >= BATCH:
            created += len(Deadline.objects.bulk_create(batch))
            batch = []
    overdue = (
        Invoice.objects.filter(paid_on__isnull=True, due_on__lt=today)
        .filter(~Exists(opened.filter(rule=OVERDUE)))
        .values_list(
            "pk", "number", "due_on", "customer__name", "customer__department_id", "customer_id"
        )
    )
    departments = {d.pk: d for d in Department.objects.all()}
    nearest: dict[int | None, int | None] = {}
    for pk, number, due_on, name, department_id, customer_id in overdue.iterator(chunk_size=BATCH):
        if department_id not in nearest:
            people = people_with_role(
                credit.collection_overdue_role,
                near=departments.get(department_id) if department_id else None,
            )
            nearest[department_id] = people[0].pk if people else None
        assignee = nearest[department_id]
        if assignee is None:
            continue
        batch.append(
            _deadline(
                OVERDUE,
                pk,
                assignee,
                day_end(today + timedelta(days=credit.collection_overdue_days)),
                invoice_type,
                policy,
                deferred(
                    "逾期催收:%(name)s %(number)s(%(due)s 到期)",
                    name=name,
                    number=number,
                    due=f"{due_on:%m-%d}",
                ),
                f"/credit/customers/{customer_id}/ship/",
            )
        )
        if len(batch) >= BATCH:
            created += len(Deadline.objects.bulk_create(batch))
            batch = []
    created += len(Deadline.objects.bulk_create(batch))
    return created


def _deadline(
    rule: str,
    invoice_id: int,
    assignee_id: int,
    due: datetime,
    invoice_type: ContentType,
    policy: Policy,
    title: Deferred,
    link: str,
) -> Deadline:
    return Deadline(
        rule=rule,
        **stored_title(title),
        link=link,
        content_type=invoice_type,
        object_id=invoice_id,
        assignee_id=assignee_id,
        due_at=due,
        next_escalation_at=due,
        escalation="default",
        policy_version=policy.policy.version,
    )
