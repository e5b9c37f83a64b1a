"""Credit at scale (issue 16, "Done when"): 1,000,000 customers and 10,000,000 invoices on
PostgreSQL. Measures, each beside hand SQL in the same run:

- the shipping check (limit + exposure + eligibility + decision) for random customers, p99;
- the full aging table (every open receivable, by customer) for finance.

    createdb -h 127.0.0.1 -U postgres zhike_crd
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_crd \
        uv run python bench/credit.py --customers 1000000 --invoices 10

Builds its data with set-based SQL the first time: each customer with a contract and
``--invoices`` invoices over the last 300 days, the older half paid.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")

from common import percentile, report  # noqa: E402  (bench/ is on the path above)

PEOPLE = 200
CHECK_SQL = [
    # limit: invoiced sales of the 30 days before the shipping date
    "SELECT COALESCE(SUM(amount), 0) FROM trade_invoice WHERE customer_id = %s"
    " AND issued_on >= %s::date - 30 AND issued_on < %s::date",
    # receivables
    "SELECT COALESCE(SUM(amount - paid_amount), 0) FROM trade_invoice WHERE customer_id = %s"
    " AND paid_on IS NULL",
    # shipped, not invoiced
    "SELECT COALESCE(SUM(amount), 0) FROM credit_shipment WHERE customer_id = %s"
    " AND invoice_id IS NULL AND state <> 'cancelled'",
    # eligibility: a contract, last year cleared
    "SELECT EXISTS (SELECT 1 FROM trade_order WHERE customer_id = %s)",
    "SELECT EXISTS (SELECT 1 FROM trade_invoice WHERE customer_id = %s AND paid_on IS NULL"
    " AND issued_on < date_trunc('year', %s::date))",
    # the month's over-limit shipments
    "SELECT count(*) FROM credit_shipment WHERE customer_id = %s AND shipped_on >="
    " date_trunc('month', %s::date) AND outcome IN ('first_over', 'last_over')",
]


def build(customers: int, per_customer: int) -> None:
    from django.db import connection, transaction

    from zhike.org.models import User
    from zhike.org.services import department_create, ensure_roles, user_create

    ensure_roles()
    if User.objects.filter(username="crd-0").exists():
        return
    with transaction.atomic():
        dept = department_create(name="销售部", code="crd-sales")
        for i in range(PEOPLE):
            user_create(username=f"crd-{i}", password="x", department=dept, roles=["salesperson"])
        user_create(username="crd-fin", password="x", department=dept, roles=["finance"])
        first = User.objects.get(username="crd-0").pk
        print(
            f"building {customers:,} customers, {customers * per_customer:,} invoices …", flush=True
        )
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO archive_customer (code, name, status, phone, customer_type, source,"
                " referrer_name, industry, size, province, city, district, address, uscc,"
                " id_number_cipher, id_number_hash, search_text, owner_id, department_id,"
                " created_by_id, created_at, updated_at, version, owned_since)"
                " SELECT 'CRD' || lpad(g::text, 9, '0'), '授信测试客户' || g, 'deal',"
                " '138' || lpad(g::text, 8, '0'), 'enterprise', '', '', '', '', '', '', '',"
                " '北京市海淀区', '9111' || lpad(g::text, 14, '0'), '', '', '', %s + g %% %s, %s,"
                " %s, now(), now(), 1, now() FROM generate_series(1, %s) g",
                [first, PEOPLE, dept.pk, first, customers],
            )
            cur.execute(
                "INSERT INTO trade_order (customer_id, number, signed_on, amount, note,"
                " created_by_id, credited_to_id, credit_reason, created_at)"
                " SELECT id, 'HT' || id, current_date - 300, 1000000, '', %s, %s, '', now()"
                " FROM archive_customer WHERE code LIKE 'CRD%%'",
                [first, first],
            )
            cur.execute(
                "INSERT INTO trade_invoice (customer_id, order_id, number, issued_on, due_on,"
                " amount, paid_amount, paid_on)"
                " SELECT c.id, NULL, 'FP' || c.id || '-' || k, current_date - 30 * k,"
                " current_date - 30 * k + 30, 1000 + (c.id %% 7) * 100,"
                " CASE WHEN k > %s / 2 THEN 1000 + (c.id %% 7) * 100 ELSE 0 END,"
                " CASE WHEN k > %s / 2 THEN current_date - 30 * k + 20 END"
                " FROM archive_customer c CROSS JOIN generate_series(1, %s) k"
                " WHERE c.code LIKE 'CRD%%'",
                [per_customer, per_customer, per_customer],
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE trade_invoice")
        cur.execute("VACUUM ANALYZE archive_customer")
        cur.execute("ANALYZE trade_order")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=10, help="invoices per customer")
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from zhike.archive.models import Customer
    from zhike.credit import aging, services
    from zhike.org.models import User
    from zhike.policy.loader import load_policy

    call_command("migrate", verbosity=0)
    build(args.customers, args.invoices)
    policy = load_policy("auto-dealer")
    today = timezone.localdate()
    ids = list(Customer.objects.filter(code__startswith="CRD").values_list("pk", flat=True))
    sample = random.Random(2026).sample(ids, args.checks)
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=sample)}
    results: dict[str, dict] = {}

    zhike_ms, raw_ms = [], []
    verdicts: dict[str, int] = {}
    for pk in sample:
        customer = customers[pk]
        start = time.perf_counter()
        result = services.check(customer, amount=Decimal("500"), on=today, policy=policy)
        zhike_ms.append((time.perf_counter() - start) * 1000)
        verdicts[result.decision.verdict] = verdicts.get(result.decision.verdict, 0) + 1
        start = time.perf_counter()
        with connection.cursor() as cur:
            for sql in CHECK_SQL:
                cur.execute(sql, [pk, today, today][: sql.count("%s")])
                cur.fetchone()
        raw_ms.append((time.perf_counter() - start) * 1000)
    results["check: zhike services.check"] = {
        "p50_ms": round(statistics.median(zhike_ms), 2),
        "p99_ms": percentile(zhike_ms, 0.99),
        "verdicts": verdicts,
    }
    results["check: hand SQL (6 statements)"] = {
        "p50_ms": round(statistics.median(raw_ms), 2),
        "p99_ms": percentile(raw_ms, 0.99),
    }

    finance = User.objects.get(username="crd-fin")
    start = time.perf_counter()
    table = aging.aging(finance, on=today, by="customer", policy=policy, limit=200)
    results["aging: zhike (by customer, top 200)"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "rows": len(table.rows),
    }
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT customer_id, SUM(amount - paid_amount),"
            " SUM(CASE WHEN due_on >= %s THEN amount - paid_amount ELSE 0 END),"
            " SUM(CASE WHEN due_on < %s AND due_on >= %s::date - 30 THEN amount - paid_amount"
            " ELSE 0 END),"
            " SUM(CASE WHEN due_on < %s::date - 30 AND due_on >= %s::date - 60 THEN amount -"
            " paid_amount ELSE 0 END),"
            " SUM(CASE WHEN due_on < %s::date - 60 AND due_on >= %s::date - 90 THEN amount -"
            " paid_amount ELSE 0 END),"
            " SUM(CASE WHEN due_on < %s::date - 90 THEN amount - paid_amount ELSE 0 END)"
            " FROM trade_invoice WHERE paid_on IS NULL AND issued_on <= %s"
            " GROUP BY customer_id ORDER BY 2 DESC LIMIT 200",
            [today] * 9,
        )
        cur.fetchall()
    results["aging: hand SQL"] = {"seconds": round(time.perf_counter() - start, 2)}

    title = (
        f"{connection.vendor}, {args.customers:,} customers,"
        f" {args.customers * args.invoices:,} invoices"
    )
    report("credit", title, results)


if __name__ == "__main__":
    main()
