"""The import service (IMP-1): dry run and all-or-nothing commit of a customer file.

The file is streamed in batches. A dry run validates every row and matches it to existing
customers, writing nothing. A commit does the same in one transaction and writes each
batch as it goes (bulk inserts and updates, one audit event per customer); an error in any
row, or a failure of any kind, rolls the whole file back: nothing half-imported.
"""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from zhike.audit.models import Event
from zhike.db import AnyOf, bulk_load, insert_rows, reserve_ids
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.schema import CUSTOMER_FIELDS, Policy
from zhike.spreadsheets import Layout, ParsedRow, RowError, read_rows
from zhike.streams import read_ahead

from .coding import reserve_customer_codes
from .errors import PermissionDenied
from .import_template import CHOICES, COLUMNS, REQUIRED, label_to_value
from .models import Customer, OwnershipChange, OwnershipKind
from .selectors import customers_for, mask_name
from .services import (
    check_required,
    check_status_change,
    clean_customer_data,
    customer_search_text,
    new_customer_search_text,
)

BATCH = 2000
SHOWN_ERRORS = 500


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < SHOWN_ERRORS:
            self.errors.append(error)


@dataclass
class Planned:
    row: int
    data: dict[str, Any]
    existing: Customer | None


def _batches(rows: Iterator[ParsedRow]) -> Iterator[list[ParsedRow]]:
    batch: list[ParsedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Checked:
    """A batch after the checks that need no database."""

    rows: int  # data rows read
    cleaned: list[tuple[int, dict[str, Any]]]  # (row number, values with "code")
    errors: list[RowError]


def _checked_batches(rows: Iterator[ParsedRow], *, layout: Layout) -> Iterator[Checked]:
    """Each batch of the file validated on its own and against the rows before it (the
    same code, USCC, or name and phone twice). Pure Python: see ``read_ahead``."""
    seen: dict[int, int] = {}
    for batch in _batches(rows):
        checked = Checked(len(batch), [], [])
        for parsed in batch:
            values = _clean_row(parsed, layout=layout, seen=seen)
            if isinstance(values, RowError):
                checked.errors.append(values)
            else:
                checked.cleaned.append((parsed.row, values))
        yield checked


def _clean_row(
    parsed: ParsedRow, *, layout: Layout, seen: dict[int, int]
) -> dict[str, Any] | RowError:
    data = dict(parsed.data)
    code = data.pop("code", "")
    for name in CHOICES:
        if data.get(name):
            data[name] = label_to_value(name, data[name])
    if not data.get("name"):
        return RowError(parsed.row, layout.column_of("name"), "客户名称不能为空")
    try:
        values = clean_customer_data(data)
    except RuleError as exc:
        return RowError(parsed.row, layout.column_of(exc.field or "name"), exc.message)
    # The keys a row is matched by (see _match): a second row with the same key would
    # update the customer the first one creates, or within a batch create it twice.
    # ``seen`` holds their hashes, not the texts: 109 MB for a million rows, not 187
    # (64-bit hashes: a false repeat among a million rows has odds of ~1 in 30 million).
    keys = {
        "code": code,
        "uscc": values.get("uscc", ""),
        "name": "" if code else f"{values['name']}|{values.get('phone', '')}",
    }
    hashes = {column: hash((column, key)) for column, key in keys.items() if key}
    for column, key_hash in hashes.items():
        if first := seen.get(key_hash):
            return RowError(parsed.row, layout.column_of(column), f"与第 {first} 行重复")
    seen.update(dict.fromkeys(hashes.values(), parsed.row))
    values["code"] = code
    return values


def _match(checked: Checked, *, by: User, policy: Policy, layout: Layout) -> list[Planned]:
    """Match a checked batch to existing customers (at most four queries for any batch
    size) and check what depends on them: the right to change, status, required fields.
    Rows that fail go to the batch's errors."""
    cleaned = checked.cleaned
    codes = {v["code"] for _r, v in cleaned if v["code"]}
    usccs = {v["uscc"] for _r, v in cleaned if v.get("uscc")}
    pairs = {(v["name"], v.get("phone", "")) for _r, v in cleaned if not v["code"]}
    # Three lookups rather than one OR of them: each is served by its own index, the OR
    # by a scan of the whole table (620 ms per batch at a million customers).
    lookups = [
        AnyOf(F("code"), codes) if codes else None,
        AnyOf(F("uscc"), usccs) if usccs else None,
        Q(AnyOf(F("name"), {n for n, _ in pairs}), AnyOf(F("phone"), {p for _, p in pairs}))
        if pairs
        else None,
    ]
    found = {
        c.pk: c
        for lookup in lookups
        if lookup is not None
        for c in Customer.objects.filter(lookup).select_related("owner")
    }
    candidates = list(found.values())
    by_code, by_uscc, by_pair = {}, {}, {}
    for customer in candidates:
        by_code[customer.code] = customer
        if customer.uscc:
            by_uscc[customer.uscc] = customer
        by_pair[(customer.name, customer.phone)] = customer
    visible = set(
        customers_for(by).filter(AnyOf(F("pk"), list(found))).values_list("pk", flat=True)
        if found
        else ()
    )

    planned = []
    for row, values in cleaned:
        code = values.pop("code")
        if code and code not in by_code:
            checked.errors.append(
                RowError(row, layout.column_of("code"), "没有这个客户编码;新客户请留空,由系统生成")
            )
            continue
        existing = (
            by_code.get(code)
            or by_uscc.get(values.get("uscc", ""))
            or by_pair.get((values["name"], values.get("phone", "")))
        )
        if existing is not None and existing.pk not in visible:
            owner = str(existing.owner) if existing.owner else "公海"
            checked.errors.append(
                RowError(
                    row,
                    layout.column_of("name"),
                    f"该客户已登记为“{mask_name(existing.name)}”(负责人:{owner}),无权修改",
                )
            )
            continue
        current = (
            {f: getattr(existing, f) for f in CUSTOMER_FIELDS | {"status"}} if existing else {}
        )
        try:
            check_status_change(existing.status if existing else None, values.get("status"))
            check_required({**current, **values}, policy=policy)
        except RuleError as exc:
            checked.errors.append(
                RowError(row, layout.column_of(exc.field or "status"), exc.message)
            )
            continue
        planned.append(Planned(row, values, existing))
    return planned


def _changes(plan: Planned) -> dict[str, list[Any]]:
    """What a row would change on its existing customer, field by field: [old, new]. The
    dry run counts by it too, so the preview says what the commit will do."""
    existing = plan.existing
    assert existing is not None  # noqa: S101 — only rows that matched a customer
    return {
        k: [getattr(existing, k), v]
        for k, v in plan.data.items()
        if k != "id_number" and getattr(existing, k) != v
    }


def _write_batch(
    planned: list[Planned],
    *,
    by: User,
    policy: Policy,
    now: datetime,
    report: ImportReport,
    content_type: ContentType,
) -> None:
    new = [p for p in planned if p.existing is None]
    codes = reserve_customer_codes(
        policy.archive.coding, today=timezone.localdate(now), count=len(new)
    )
    # On PostgreSQL the new customers get their keys first, so each is streamed to the
    # server as soon as it is made and the audit events need no read-back.
    ids = reserve_ids(Customer, len(new))
    created: list[dict[str, Any]] = []

    def new_customers() -> Iterator[dict[str, Any]]:
        for i, (plan, code) in enumerate(zip(new, codes, strict=True)):
            row = {k: v for k, v in plan.data.items() if k != "id_number"}
            row |= {
                "id": ids[i] if ids else None,
                "code": code,
                "owner_id": by.pk,
                "owned_since": now,
                "department_id": by.department_id,
                "created_by_id": by.pk,
            }
            row["search_text"] = new_customer_search_text(row)
            created.append(row)
            yield row

    insert_rows(Customer, new_customers(), with_pk=ids is not None)
    if ids is None:
        by_code = dict(
            Customer.objects.filter(code__in=[c["code"] for c in created]).values_list("code", "pk")
        )
        for row in created:
            row["id"] = by_code[row["code"]]
    events = [
        {
            "actor_id": by.pk,
            "action": "customer.imported",
            "content_type_id": content_type.pk,
            "object_id": row["id"],
            "details": {"code": row["code"]},
        }
        for row in created
    ]

    changed = []
    fields: set[str] = set()
    for plan in planned:
        existing = plan.existing
        if existing is None:
            continue
        changes = _changes(plan)
        if not changes:
            report.unchanged += 1
            continue
        for key, (_old, value) in changes.items():
            setattr(existing, key, value)
        existing.search_text = customer_search_text(existing)
        existing.updated_at = now
        fields |= set(changes)
        changed.append(existing)
        events.append(
            {
                "actor_id": by.pk,
                "action": "customer.updated",
                "content_type_id": content_type.pk,
                "object_id": existing.pk,
                "details": {"changes": changes, "source": "import"},
            }
        )
    if changed:
        Customer.objects.bulk_update(
            changed, [*fields, "search_text", "updated_at"], batch_size=BATCH
        )
        Customer.objects.filter(AnyOf(F("pk"), [c.pk for c in changed])).update(
            version=F("version") + 1
        )
    insert_rows(Event, events)
    # OWN-8: the importer registered each new customer (one history row each, like a form).
    insert_rows(
        OwnershipChange,
        (
            {
                "customer_id": row["id"],
                "kind": OwnershipKind.REGISTERED.value,
                "to_user_id": by.pk,
                "by_id": by.pk,
                "at": now,
                "reason": "导入",
                "policy_version": policy.policy.version,
            }
            for row in created
        ),
    )
    report.created += len(created)
    report.updated += len(changed)


def import_customers(
    *,
    by: User,
    path: Path,
    filename: str,
    policy: Policy,
    now: datetime,
    commit: bool,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Dry run (``commit=False``) or import a customer file, all or nothing."""
    if not by.has_perm("archive.add_customer"):
        raise PermissionDenied("您没有导入客户的权限")
    report = ImportReport()
    layout, rows = read_rows(
        path,
        filename,
        mapping,
        columns=COLUMNS,
        required=REQUIRED,
        max_rows=settings.ZHIKE_IMPORT_MAX_ROWS,
    )
    report.ignored_columns = layout.ignored
    # The next batch is read and validated in a thread while this one is matched and
    # written: the waits on the database overlap with the file's Python work. Closed on
    # the way out, so the thread and the file end with the import, error or not.
    with closing(read_ahead(_checked_batches(rows, layout=layout))) as batches:
        if not commit:
            for checked in batches:
                planned = _take(checked, by=by, policy=policy, layout=layout, report=report)
                for plan in planned:  # what the commit would do
                    if plan.existing is None:
                        report.created += 1
                    elif _changes(plan):
                        report.updated += 1
                    else:
                        report.unchanged += 1
                if progress:
                    progress(report.rows)
            return report
        _commit(
            batches,
            by=by,
            policy=policy,
            layout=layout,
            report=report,
            now=now,
            progress=progress,
        )
        return report


def _commit(
    batches: Iterator[Checked],
    *,
    by: User,
    policy: Policy,
    layout: Layout,
    report: ImportReport,
    now: datetime,
    progress: Callable[[int], None] | None,
) -> None:
    """One pass, one transaction: batches are written while no error has been seen; the
    first error stops the writing, the rest of the file is still checked so the report
    lists every bad row, and the transaction is rolled back."""
    content_type = ContentType.objects.get_for_model(Customer)
    try:
        with transaction.atomic(), bulk_load(Customer):
            for checked in batches:
                planned = _take(checked, by=by, policy=policy, layout=layout, report=report)
                if not report.error_count:
                    _write_batch(
                        planned,
                        by=by,
                        policy=policy,
                        now=now,
                        report=report,
                        content_type=content_type,
                    )
                if progress:
                    progress(report.rows)
            if report.error_count:
                raise _RolledBack
    except _RolledBack:
        report.created = report.updated = report.unchanged = 0
        return
    report.committed = True


def _take(
    checked: Checked, *, by: User, policy: Policy, layout: Layout, report: ImportReport
) -> list[Planned]:
    """Match a checked batch; count it and its errors, in row order, into the report."""
    planned = _match(checked, by=by, policy=policy, layout=layout)
    report.rows += checked.rows
    for error in sorted(checked.errors, key=lambda e: e.row):
        report.add_error(error)
    return planned


class _RolledBack(Exception):
    """Raised inside the import transaction to undo it when the file had errors."""
