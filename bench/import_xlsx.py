"""Time of importing N customers from an xlsx file (dry run + commit), IMP-1, and on
PostgreSQL the floor beside it in the same run: a raw COPY of the very rows the commit
wrote, into the same table with the same indexes and triggers (issue 18: commit ≤ 1.3× it),
and a second floor: a raw COPY of every row the commit writes (its audit events and
ownership history too).

uv run python bench/import_xlsx.py --customers 100000           # SQLite (var/bench-import.sqlite3)
DATABASE_URL=postgresql://… uv run python bench/import_xlsx.py --customers 100000
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("ZHIKE_SQLITE_PATH", str(ROOT / "var" / "bench-import.sqlite3"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from openpyxl import Workbook

    from zhike.archive.imports import import_customers
    from zhike.archive.models import Customer
    from zhike.archive.seeding import fake_customer
    from zhike.org.models import User
    from zhike.org.services import ensure_roles, user_create
    from zhike.policy.loader import load_policy

    call_command("migrate", verbosity=0)
    ensure_roles()
    user = User.objects.filter(username="bench-importer").first() or user_create(
        username="bench-importer", password="x", roles=["salesperson"]
    )
    Customer.objects.filter(created_by=user).delete()
    from django.db import connection

    if connection.vendor == "postgresql":
        # The previous run's rows are gone: clean them up now, not by autovacuum during
        # the timed import.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE archive_customer, audit_event")

    path = ROOT / "var" / f"bench-import-{args.customers}.xlsx"
    if not path.exists():
        rng = random.Random(7)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("客户")
        sheet.append(["客户名称", "客户类型", "状态", "电话", "客户来源", "行业", "省", "市"])
        for i in range(args.customers):
            row = fake_customer(rng)
            sheet.append(
                [
                    f"{row['name']}{i}",
                    "个人客户" if row["person"] else "企业客户",
                    "潜在客户",
                    row["phone"],
                    "展会活动",
                    row["industry"],
                    row["province"],
                    row["city"],
                ]
            )
        path.parent.mkdir(parents=True, exist_ok=True)  # var/ is not in a fresh clone
        workbook.save(path)
    policy = load_policy("general")
    timings = {}
    for commit in (False, True):
        start = time.perf_counter()
        report = import_customers(
            by=user, path=path, filename=path.name, policy=policy, now=timezone.now(), commit=commit
        )
        timings["commit" if commit else "dry run"] = (time.perf_counter() - start, report)

    print(f"\n{connection.vendor}, {args.customers:,} rows from {path.name}")
    for name, (seconds, report) in timings.items():
        print(f"{name:8} {seconds:7.1f} s  created={report.created:,} errors={report.error_count}")
    if connection.vendor == "postgresql":
        data = captured_rows(user.pk)
        commit = timings["commit"][0]
        raw = raw_copy(user.pk, data, ["archive_customer"])
        print(
            f"raw COPY {raw:7.1f} s  (the same customers; commit / raw COPY = {commit / raw:.2f})"
        )
        every = raw_copy(user.pk, data, list(WRITTEN))
        print(
            f"raw COPY {every:7.1f} s  (every row the commit wrote: customers, their audit"
            f" events and ownership history; commit / it = {commit / every:.2f})"
        )
    print(f"\ncommand: python {' '.join(sys.argv)}")


# What the commit writes, table by table (rows of the importer): the customers, their
# audit events (one each, as for a form) and their ownership history (OWN-8, one each).
# Audit events are append-only (a trigger refuses deletes): the floor adds copies of them
# with new ids instead of putting the same rows back.
WRITTEN = {
    "archive_customer": "created_by_id = %(by)s",
    "audit_event": "actor_id = %(by)s AND action = 'customer.imported' AND object_id IN"
    " (SELECT id FROM archive_customer WHERE created_by_id = %(by)s)",
    "archive_ownershipchange": "by_id = %(by)s AND kind = 'registered'",
}


def captured_rows(created_by: int) -> dict[str, bytes]:
    """Each table's rows the commit wrote, in COPY's text format."""
    from django.db import connection

    data: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        # The statistics must know the commit's rows: without them the join of its events
        # to its customers was planned for one row each, a nested loop of 100,000 ×
        # 100,000 that had not ended after 9 minutes.
        cursor.execute(f"ANALYZE {', '.join(WRITTEN)}")
        raw = cursor.connection
        for table, condition in WRITTEN.items():
            rows = bytearray()
            where = condition % {"by": created_by}
            query = f"COPY (SELECT {_columns(table)} FROM {table} WHERE {where}) TO STDOUT"
            with raw.cursor().copy(query) as copy:
                for block in copy:
                    rows += block
            data[table] = bytes(rows)
    return data


def _columns(table: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        names = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    if table == "audit_event":
        names.remove("id")
    return ", ".join(names)


def raw_copy(created_by: int, data: dict[str, bytes], tables: list[str]) -> float:
    """Seconds for ``COPY … FROM STDIN`` of the rows the commit wrote into ``tables`` (taken
    out first, and vacuumed), committed in one transaction: the deferred foreign-key
    checks run at COMMIT, as the import's do."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for table in ("archive_ownershipchange", "archive_customer"):
            cursor.execute(f"DELETE FROM {table} WHERE {WRITTEN[table]}", {"by": created_by})
        cursor.execute(f"VACUUM ANALYZE {', '.join(WRITTEN)}")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            query = f"COPY {table} ({_columns(table)}) FROM STDIN"
            with cursor.connection.cursor().copy(query) as copy:
                copy.write(data[table])
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
