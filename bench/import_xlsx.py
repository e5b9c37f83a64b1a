"""Time of importing N customers from an xlsx file (dry run + commit), IMP-1, and on
PostgreSQL the floor beside it in the same run: a raw COPY of the very rows the commit
wrote, into the same table with the same indexes and triggers (issue 18: commit ≤ 1.3× it).

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
        raw = raw_copy(user.pk)
        commit = timings["commit"][0]
        print(f"raw COPY {raw:7.1f} s  (the same rows; commit / raw COPY = {commit / raw:.2f})")
    print(f"\ncommand: python {' '.join(sys.argv)}")


def raw_copy(created_by: int) -> float:
    """Seconds for ``COPY archive_customer FROM STDIN`` of the rows the commit just wrote
    (taken out first, and the table vacuumed), committed: the deferred foreign-key checks
    run at COMMIT, as the import's do."""
    from django.db import connection, transaction

    from zhike.archive.models import Customer

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rows")
        cursor.execute(
            "CREATE TABLE bench_rows AS SELECT * FROM archive_customer WHERE created_by_id = %s",
            [created_by],
        )
        raw = cursor.connection
        data = bytearray()
        with raw.cursor().copy("COPY bench_rows TO STDOUT") as copy:
            for block in copy:
                data += block
    Customer.objects.filter(created_by_id=created_by).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE archive_customer")
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.connection.cursor().copy("COPY archive_customer FROM STDIN") as copy,
    ):
        copy.write(bytes(data))
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_rows")
    return seconds


if __name__ == "__main__":
    main()
