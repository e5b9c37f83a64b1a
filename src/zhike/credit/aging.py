"""The 应收账款账龄登记表 (CRD-4, s004): open receivables by days past due, per customer,
salesperson or department, over the reader's scope; one GROUP BY on the open-invoice
index, the same numbers in xlsx."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, Any

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhike.archive.exporting import as_text
from zhike.org.models import Department, User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice

from .selectors import cents

GROUPS = {
    "customer": "customer_id",
    "owner": "customer__owner_id",
    "department": "customer__department_id",
}
OUTSTANDING = F("amount") - F("paid_amount")


@dataclass(frozen=True)
class AgingRow:
    key: int | None
    name: str
    total: Decimal
    buckets: list[Decimal]


@dataclass(frozen=True)
class AgingTable:
    on: date
    labels: list[str]
    rows: list[AgingRow]


def labels_for(days: list[int]) -> list[str]:
    labels = [_("未到期")]
    low = 1
    for high in days:
        labels.append(_("逾期 %(a)s–%(b)s 天") % {"a": low, "b": high})
        low = high + 1
    labels.append(_("逾期 %(a)s 天以上") % {"a": days[-1]})
    return labels


def _bucket_conditions(on: date, days: list[int]) -> list[Q]:
    conditions = [Q(due_on__gte=on)]
    previous = 0
    for high in days:
        conditions.append(
            Q(due_on__lt=on - timedelta(days=previous), due_on__gte=on - timedelta(days=high))
        )
        previous = high
    conditions.append(Q(due_on__lt=on - timedelta(days=days[-1])))
    return conditions


def aging(user: User, *, on: date, by: str, policy: Policy, limit: int = 200) -> AgingTable:
    days = policy.credit.aging_days
    money = DecimalField(max_digits=16, decimal_places=2)
    sums = {
        f"b{i}": Coalesce(
            Sum(Case(When(condition, then=OUTSTANDING), default=Value(0), output_field=money)),
            Value(Decimal(0)),
            output_field=money,
        )
        for i, condition in enumerate(_bucket_conditions(on, days))
    }
    group = GROUPS[by]
    rows = (
        visible_to(user, Invoice.objects.filter(paid_on__isnull=True, issued_on__lte=on))
        .order_by()
        .values(group)
        .annotate(total=Sum(OUTSTANDING, output_field=money), **sums)
        .order_by("-total")[:limit]
    )
    rows = list(rows)
    keys = [r[group] for r in rows]
    names = _names(by, keys)
    table = [
        AgingRow(
            key=r[group],
            name=names.get(r[group], "—"),
            total=cents(r["total"]),
            buckets=[cents(r[f"b{i}"]) for i in range(len(days) + 2)],
        )
        for r in rows
    ]
    return AgingTable(on=on, labels=labels_for(days), rows=table)


def _names(by: str, keys: list[Any]) -> dict[Any, str]:
    from zhike.archive.models import Customer

    if by == "customer":
        return dict(Customer.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))


def write_xlsx(table: AgingTable, target: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("应收账款账龄"))
    sheet.append([_("截至"), table.on.isoformat()])
    sheet.append([_("名称"), _("应收合计"), *table.labels])
    for row in table.rows:
        sheet.append([as_text(sheet, row.name), row.total, *row.buckets])
    workbook.save(target)
