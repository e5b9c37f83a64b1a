"""A full grading review (GRD-6) of N customers with M order lines, next to the same
computation written by hand as one SQL statement.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_bench \
        uv run python bench/review.py --customers 1000000 --lines 10000000
    uv run python bench/review.py --customers 100000 --lines 1000000      # SQLite

Uses its own database (var/bench-review.sqlite3, or the DATABASE_URL you give), migrates
it and, when it holds fewer customers than asked, fills it with generated customers and a
ledger (4 lines per contract, one invoice per contract: 85 % paid on time, 10 % late, 5 %
open; a tenth of the customers trade eight times as much; one in five rated for the
manufacturer's manual indicator). It then times, for the `manufacturer` preset (s004
scorecard + size class) and the `wholesale-market` preset (tiers with quotas):

- zhike: ``review_start`` + ``review_compute`` (figures, scores, grades, tiers with quotas,
  summary), i.e. what the job does;
- hand SQL: one ``INSERT … SELECT`` a DBA would write for the same result (figures,
  points, grade, size class; for the wholesale market the VIP quota by window functions),

checks both give the same counts per grade/tier, prints a table and writes
bench/results/review.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("ZHIKE_SQLITE_PATH", str(ROOT / "var" / "bench-review.sqlite3"))

PERIOD_END = "2026-06-30"
PERIOD_START = "2025-07-01"


def series(vendor: str, n: int) -> str:
    """Rows i = 1…n as a FROM item."""
    if vendor == "postgresql":
        return f"generate_series(1, {n}) AS s(i)"
    recursive = f"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {n})"
    return f"({recursive} SELECT i FROM r) s"


def seed(cursor, vendor: str, customers: int, lines: int, user_id: int, dept_id: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import transaction

    orders = lines // 4
    day = (
        "DATE '2025-01-01' + ({x})"
        if vendor == "postgresql"
        else "date('2025-01-01', '+' || ({x}) || ' days')"
    )
    plus30 = "o.signed_on + 30" if vendor == "postgresql" else "date(o.signed_on, '+30 days')"

    early_payment = (
        "o.signed_on + CAST(30 - o.id % 10 AS INTEGER)" if vendor == "postgresql" else plus30
    )

    def days(expr: str, offset: str) -> str:
        return f"{expr} + {offset}" if vendor == "postgresql" else f"date({expr}, '{offset} days')"

    steps = [
        (
            "customers",
            f"""INSERT INTO archive_customer (code, name, status, phone, customer_type, source,
                referrer_name, industry, size, province, city, district, address, uscc,
                id_number_cipher, id_number_hash, search_text, created_at, updated_at, version,
                owner_id, department_id)
            SELECT 'B' || i, '客户' || i, 'deal', '', 'enterprise', '', '', '',
                   CASE i % 4 WHEN 0 THEN 'large' WHEN 1 THEN 'medium' ELSE 'small' END,
                   '', '', '', '', '', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1,
                   {user_id}, {dept_id}
            FROM {series(vendor, customers)}""",
        ),
        (
            "orders",
            f"""INSERT INTO trade_order (customer_id, number, signed_on, amount, note, created_at)
            SELECT (SELECT MIN(id) FROM archive_customer)
                   + (CAST(i AS BIGINT) * 7919) % {customers},
                   'HT' || i, {day.format(x="(i * 37) % 545")}, 0, '', CURRENT_TIMESTAMP
            FROM {series(vendor, orders)}""",
        ),
        (
            "order lines",
            f"""INSERT INTO trade_orderline (order_id, customer_id, signed_on, product, category,
                quantity, unit, list_price, price, amount)
            SELECT o.id, o.customer_id, o.signed_on, '产品' || ((o.id + k.i) % 50),
                   '品种' || ((o.id * 7 + k.i) % 20), 1 + (o.id * 13 + k.i) % 60, '吨',
                   CASE WHEN o.id % 10 = 0 THEN NULL
                        ELSE ROUND((500 + (o.id * 31 + k.i) % 4000) * 100.0
                                   / (97 + o.id % 15), 2) END,
                   500 + (o.id * 31 + k.i) % 4000,
                   (1 + (o.id * 13 + k.i) % 60) * (500 + (o.id * 31 + k.i) % 4000)
                   * CASE WHEN o.customer_id % 10 = 0 THEN 8 ELSE 1 END
            FROM trade_order o CROSS JOIN {series(vendor, 4).replace(" s", " k")}""",
        ),
        (
            "invoices",
            f"""INSERT INTO trade_invoice (customer_id, order_id, number, issued_on, due_on,
                amount, paid_amount, paid_on)
            SELECT o.customer_id, o.id, 'FP' || o.id, o.signed_on, {plus30}, t.total,
                   CASE WHEN o.id % 20 = 0 THEN 0 ELSE t.total END,
                   CASE WHEN o.id % 20 = 0 THEN NULL
                        WHEN o.id % 20 IN (1, 2) THEN {days(plus30, "15")}
                        ELSE {early_payment} END
            FROM trade_order o JOIN (SELECT order_id, SUM(amount) AS total FROM trade_orderline
                                     GROUP BY order_id) t ON t.order_id = o.id""",
        ),
        (
            "payments",
            """INSERT INTO trade_payment (customer_id, received_on, amount, reference, created_at)
            SELECT customer_id, paid_on, amount, '', CURRENT_TIMESTAMP
            FROM trade_invoice WHERE paid_on IS NOT NULL""",
        ),
        (
            "ratings",
            f"""INSERT INTO grading_assessment (customer_id, key, value, note, by_id, at)
            SELECT id, 'influence',
                   CASE id % 4 WHEN 0 THEN 'leader' WHEN 1 THEN 'key' WHEN 2 THEN 'ordinary'
                               ELSE 'sporadic' END, '', {user_id}, CURRENT_TIMESTAMP
            FROM archive_customer WHERE id % 5 = 0""",
        ),
        (
            "attestations",
            f"""INSERT INTO grading_assessment (customer_id, key, value, note, by_id, at)
            SELECT id, 'long_lease', 'yes', '', {user_id}, CURRENT_TIMESTAMP
            FROM archive_customer WHERE id % 3 = 0""",
        ),
    ]
    tables = {
        "customers": "archive_customer",
        "orders": "trade_order",
        "order lines": "trade_orderline",
        "invoices": "trade_invoice",
        "payments": "trade_payment",
        "ratings": "grading_assessment",
        "attestations": "grading_assessment",
    }
    for name, sql in steps:
        cursor.execute(f"SELECT COUNT(*) FROM {tables[name]}")  # resumable: one step each
        if cursor.fetchone()[0] and name not in ("attestations",):
            continue
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(sql)
        print(f"  seeded {name}: {time.perf_counter() - started:.1f} s", flush=True)
    cursor.execute("ANALYZE")


FIGURES = f"""
SELECT c.id AS customer_id, c.size,
       COALESCE(l.contract_amount, 0) AS contract_amount, COALESCE(l.volume, 0) AS volume,
       CASE WHEN l.list_amount > 0 THEN ROUND(l.priced * 100.0 / l.list_amount - 100, 2) END
           AS premium,
       COALESCE(i.overdue, 0) AS overdue,
       COALESCE(i.invoiced, 0) - COALESCE(p.paid, 0) AS receivables,
       o.first_on, l.category
FROM archive_customer c
LEFT JOIN (SELECT customer_id, SUM(amount) AS contract_amount, SUM(volume) AS volume,
                  SUM(list_amount) AS list_amount, SUM(priced) AS priced,
                  MAX(CASE WHEN position = 1 THEN category END) AS category
           FROM (SELECT customer_id, category, SUM(amount) AS amount,
                        SUM(CASE WHEN unit = '吨' THEN quantity ELSE 0 END) AS volume,
                        SUM(CASE WHEN list_price IS NOT NULL THEN list_price * quantity END)
                            AS list_amount,
                        SUM(CASE WHEN list_price IS NOT NULL THEN amount END) AS priced,
                        ROW_NUMBER() OVER (PARTITION BY customer_id
                                           ORDER BY SUM(amount) DESC, category) AS position
                 FROM trade_orderline
                 WHERE signed_on BETWEEN '{PERIOD_START}' AND '{PERIOD_END}'
                 GROUP BY customer_id, category) per_category
           GROUP BY customer_id) l ON l.customer_id = c.id
LEFT JOIN (SELECT customer_id, MIN(signed_on) AS first_on FROM trade_order
           WHERE signed_on <= '{PERIOD_END}' GROUP BY customer_id) o ON o.customer_id = c.id
LEFT JOIN (SELECT customer_id, SUM(amount) AS invoiced,
                  SUM(CASE WHEN due_on BETWEEN '{PERIOD_START}' AND '{PERIOD_END}'
                            AND (paid_on > due_on OR (paid_on IS NULL AND due_on < '{PERIOD_END}'))
                           THEN 1 ELSE 0 END) AS overdue
           FROM trade_invoice WHERE issued_on <= '{PERIOD_END}'
           GROUP BY customer_id) i ON i.customer_id = c.id
LEFT JOIN (SELECT customer_id, SUM(amount) AS paid FROM trade_payment
           WHERE received_on <= '{PERIOD_END}' GROUP BY customer_id) p ON p.customer_id = c.id
WHERE c.merged_into_id IS NULL AND c.status <> 'blacklisted'
"""

# s004 as the manufacturer preset states it (bands, grades, GRD-3 cut-offs 2025-12-30 for
# 6 months and 2025-06-30 for 12), written out by hand.
HAND_MANUFACTURER = f"""
CREATE TABLE hand_result AS
SELECT customer_id,
       CASE WHEN first_on IS NULL OR first_on > '2025-06-30' THEN 'C'
            WHEN total >= 80 THEN 'A' WHEN total >= 60 THEN 'B' ELSE 'C' END AS grade,
       total,
       CASE WHEN contract_amount >= 2000000 THEN 'key_account' ELSE 'regular' END AS size_class
FROM (
  SELECT f.customer_id, f.first_on, f.contract_amount,
      (CASE WHEN f.contract_amount >= 5000000 AND f.overdue = 0 THEN 40
            WHEN f.contract_amount >= 2000000 AND f.overdue = 0 THEN 30
            WHEN f.contract_amount >= 500000 AND f.overdue = 0 THEN 20 ELSE 5 END)
    + (CASE WHEN f.receivables <= 100000 THEN 30 WHEN f.receivables <= 500000 THEN 20
            WHEN f.receivables <= 1000000 THEN 10 ELSE 0 END)
    + (CASE WHEN f.premium > 10 THEN 15 WHEN f.premium > 5 THEN 10 WHEN f.premium > 2 THEN 5
            ELSE 0 END)
    + COALESCE((SELECT CASE a.value WHEN 'leader' THEN 15 WHEN 'key' THEN 10
                                    WHEN 'ordinary' THEN 5 ELSE 0 END
                FROM grading_assessment a
                WHERE a.customer_id = f.customer_id AND a.key = 'influence'), 0) AS total
  FROM ({FIGURES}) f
) p
"""

# s000 VIP quota (25 % of all, 30 % per main category), by window functions: the greedy
# walk of the review in SQL — a category's candidates beyond its cap do not take an
# overall place.
HAND_WHOLESALE = f"""
CREATE TABLE hand_result AS
WITH f AS ({FIGURES}),
candidates AS (
    SELECT f.*, ROW_NUMBER() OVER (ORDER BY contract_amount DESC, volume DESC, customer_id)
               AS overall_rank,
           ROW_NUMBER() OVER (PARTITION BY category
                              ORDER BY contract_amount DESC, volume DESC, customer_id)
               AS category_rank
    FROM f
    WHERE (size IN ('medium', 'large') OR (volume >= 1000 AND contract_amount >= 1000000))
      AND overdue <= 0
      AND EXISTS (SELECT 1 FROM grading_assessment a WHERE a.customer_id = f.customer_id
                  AND a.key = 'long_lease' AND a.value = 'yes')
),
sizes AS (SELECT category, COUNT(*) AS n FROM f WHERE category IS NOT NULL GROUP BY category),
fits AS (
    SELECT c.customer_id, c.overall_rank,
           CASE WHEN c.category IS NULL OR c.category_rank <= FLOOR(0.30 * s.n) THEN 1 ELSE 0 END
               AS category_ok
    FROM candidates c LEFT JOIN sizes s ON s.category = c.category
),
placed AS (
    SELECT customer_id, category_ok,
           SUM(category_ok) OVER (ORDER BY overall_rank) AS taken
    FROM fits
)
SELECT f.customer_id,
       CASE WHEN p.category_ok = 1 AND p.taken <= FLOOR(0.25 * (SELECT COUNT(*) FROM f))
            THEN 'vip' ELSE 'rest' END AS tier
FROM f LEFT JOIN placed p ON p.customer_id = f.customer_id
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--presets", default="manufacturer,wholesale-market")
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from zhike.archive.models import Customer
    from zhike.db import parallel_plans
    from zhike.grading import tasks
    from zhike.grading.models import Review, ReviewLine
    from zhike.grading.reviews import review_compute, review_start
    from zhike.org.models import Department, User
    from zhike.org.services import department_create, ensure_roles, user_create
    from zhike.policy.loader import load_policy

    # The bench runs the job itself, in this process: queue nothing for a worker.
    tasks.compute_review_task.delay_on_commit = lambda *args, **kwargs: None  # type: ignore[method-assign]
    call_command("migrate", verbosity=0)
    ensure_roles()
    vendor = connection.vendor
    if Customer.objects.count() < args.customers:
        print(f"seeding {args.customers:,} customers, {args.lines:,} order lines …", flush=True)
        with transaction.atomic():
            dept = Department.objects.filter(code="bench-review").first() or department_create(
                name="销售部", code="bench-review"
            )
            user = User.objects.filter(username="bench-review").first() or user_create(
                username="bench-review",
                display_name="评审员",
                department=dept,
                password="x-bench-1",
            )
        with connection.cursor() as cursor:
            seed(cursor, vendor, args.customers, args.lines, user.pk, dept.pk)
    counts = {
        "customers": Customer.objects.count(),
        "order_lines": _count(connection, "trade_orderline"),
        "invoices": _count(connection, "trade_invoice"),
        "payments": _count(connection, "trade_payment"),
    }
    print(counts, flush=True)

    from django.conf import settings

    work_mem = settings.ZHIKE_REVIEW_WORK_MEM
    results = []
    for preset in args.presets.split(","):
        policy = load_policy(preset)
        # Earlier reviews stay filed (as in real use); an open one is closed first.
        Review.objects.exclude(state__in=["applied", "rejected", "failed"]).update(state="rejected")
        started = time.perf_counter()
        review = review_start(
            by=None, policy=policy, period_end=date.fromisoformat(PERIOD_END), now=timezone.now()
        )
        review_compute(review_id=review.pk, now=timezone.now())
        ours = time.perf_counter() - started
        review.refresh_from_db()
        column = "grade" if policy.grading.score else "tier"
        our_counts = dict(
            ReviewLine.objects.filter(review=review)
            .values_list(column)
            .annotate(n=django.db.models.Count("id"))
            .values_list(column, "n")
        )
        hand_sql = HAND_MANUFACTURER if column == "grade" else HAND_WHOLESALE
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS hand_result")
            if vendor == "postgresql":  # the same memory the review job gives itself
                cursor.execute("SELECT set_config('work_mem', %s, false)", [work_mem])
            started = time.perf_counter()
            with parallel_plans():  # the parallel workers the review's statement has
                cursor.execute(hand_sql)
            hand = time.perf_counter() - started
            cursor.execute(f"SELECT {column}, COUNT(*) FROM hand_result GROUP BY {column}")
            hand_counts = dict(cursor.fetchall())
            cursor.execute("DROP TABLE hand_result")
        if column == "tier":  # the hand query only separates VIP from the rest
            our_counts = {
                "vip": our_counts.get("vip", 0),
                "rest": sum(our_counts.values()) - our_counts.get("vip", 0),
            }
        agree = our_counts == hand_counts
        results.append(
            {
                "preset": preset,
                "zhike_s": round(ours, 2),
                "hand_sql_s": round(hand, 2),
                "ratio": round(ours / hand, 2),
                "counts": our_counts,
                "hand_counts": hand_counts,
                "same_result": agree,
            }
        )
        print(results[-1], flush=True)

    command = "uv run python bench/review.py " + " ".join(sys.argv[1:])
    if os.environ.get("DATABASE_URL"):
        command = f"DATABASE_URL={os.environ['DATABASE_URL']} {command}"
    print(
        f"\n{command}\n{vendor}, {counts['customers']:,} customers, "
        f"{counts['order_lines']:,} order lines\n"
    )
    print(f"{'preset':18} {'zhike s':>9} {'hand SQL s':>11} {'ratio':>6}  same result")
    for row in results:
        print(
            f"{row['preset']:18} {row['zhike_s']:>9} {row['hand_sql_s']:>11} "
            f"{row['ratio']:>6}  {row['same_result']}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "review.json").write_text(
        json.dumps(
            {"command": command, "vendor": vendor, "data": counts, "results": results},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


def _count(connection, table: str) -> int:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return int(cursor.fetchone()[0])


if __name__ == "__main__":
    main()
