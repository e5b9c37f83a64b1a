"""Analytics at scale (issue 17, "Done when"): 1,000,000 customers and 10,000,000 order
lines on PostgreSQL. Measures, each beside hand SQL computing the same figures from the
lines in the same run (and checks that the figures agree):

- the GM's dashboard, a salesperson's dashboard, the structure analysis of a year: p99;
- the rollups' upkeep for a day's 50,000 new lines (and 5,000 customers transferred);
- the full rebuild.

    createdb -h 127.0.0.1 -U postgres zhike_ana
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_ana \\
        uv run python bench/analytics.py --customers 1000000 --lines 10

Builds its data with set-based SQL the first time (triggers off, then one rebuild): each
customer a contract with ``--lines`` lines over the last 24 months in one or two of eight
categories, a grade (A/B/C) and a province; 200 salespeople in 10 departments.
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")

from common import percentile, report  # noqa: E402  (bench/ is on the path above)

PEOPLE, DEPARTMENTS = 200, 10
CATEGORIES = ["粮油", "蔬菜", "水果", "冻品", "调味品", "饮料", "乳品", "日化"]
PROVINCES = [
    "北京市",
    "上海市",
    "广东省",
    "浙江省",
    "江苏省",
    "山东省",
    "四川省",
    "湖北省",
    "河南省",
    "福建省",
    "湖南省",
    "安徽省",
    "河北省",
    "陕西省",
    "辽宁省",
    "重庆市",
]


def build(customers: int, lines: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from zhike.analytics import rollup, rollup_triggers
    from zhike.analytics.rebuild import rebuild
    from zhike.org.models import User
    from zhike.org.services import department_create, ensure_roles, user_create

    ensure_roles()
    if User.objects.filter(username="ana-0").exists():
        return
    rollup_triggers.drop_triggers(connection)
    with transaction.atomic():
        root = department_create(name="营销中心", code="ana-root")
        departments = [
            department_create(name=f"销售{i + 1}部", code=f"ana-{i}", parent=root)
            for i in range(DEPARTMENTS)
        ]
        for i in range(PEOPLE):
            user_create(
                username=f"ana-{i}",
                password="x",
                department=departments[i % DEPARTMENTS],
                roles=["salesperson"],
            )
        user_create(username="ana-gm", password="x", department=root, roles=["general_manager"])
        user_create(
            username="ana-mgr", password="x", department=departments[0], roles=["sales_manager"]
        )
        first = User.objects.get(username="ana-0").pk
        dept_of = dict(
            User.objects.filter(username__startswith="ana-").values_list("pk", "department_id")
        )
        print(f"building {customers:,} customers, {customers * lines:,} order lines …", flush=True)
        cats = "ARRAY[" + ",".join(f"'{c}'" for c in CATEGORIES) + "]"
        provs = "ARRAY[" + ",".join(f"'{p}'" for p in PROVINCES) + "]"
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE ana_people (n int, user_id bigint, dept bigint)")
            cur.executemany(
                "INSERT INTO ana_people VALUES (%s, %s, %s)",
                [(i, first + i, dept_of[first + i]) for i in range(PEOPLE)],
            )
            cur.execute(
                "INSERT INTO archive_customer (code, name, status, phone, customer_type, source,"
                " referrer_name, industry, size, province, city, district, address, uscc,"
                " id_number_cipher, id_number_hash, search_text, owner_id, department_id,"
                " created_by_id, created_at, updated_at, version, owned_since)"
                " SELECT 'ANA' || lpad(g::text, 9, '0'), '分析测试客户' || g, 'deal', '',"
                " 'enterprise',"
                f" '', '', '', '', ({provs})[1 + g %% {len(PROVINCES)}],"
                " '', '', '', '', '', '', '',"
                " p.user_id, p.dept, %s, now(), now(), 1, now()"
                f" FROM generate_series(1, %s) g JOIN ana_people p ON p.n = g %% {PEOPLE}",
                [first, customers],
            )
            cur.execute(
                "INSERT INTO grading_standing (customer_id, grade, tier, size_class, behaviour,"
                " policy_version, since) SELECT id, (ARRAY['A','B','C','C'])[1 + id % 4], '', '',"
                " '', 'manufacturer-1', now() FROM archive_customer WHERE code LIKE 'ANA%%'"
            )
            cur.execute(
                "INSERT INTO trade_order (customer_id, number, signed_on, amount, note,"
                " created_by_id, credited_to_id, credit_reason, created_at)"
                " SELECT id, 'ANA-HT' || id, current_date - 365, 0, '', %s, NULL, '', now()"
                " FROM archive_customer WHERE code LIKE 'ANA%%'",
                [first],
            )
            cur.execute(
                "INSERT INTO trade_orderline (order_id, customer_id, signed_on, product, category,"
                " quantity, unit, list_price, price, amount)"
                " SELECT o.id, o.customer_id,"
                " current_date - ((o.customer_id * 7 + k * 53) %% 720)::int,"
                f" '货品', ({cats})[1 + (o.customer_id + k %% 2) %% {len(CATEGORIES)}],"
                " 10, '吨', 100,"
                " 100, 100 + (o.customer_id %% 50) * 20 + k * 10"
                " FROM trade_order o CROSS JOIN generate_series(1, %s) k"
                " WHERE o.number LIKE 'ANA-HT%%'",
                [lines],
            )
    rollup_triggers.create_triggers(connection)
    with connection.cursor() as cur:
        for table in ("archive_customer", "trade_orderline", "trade_order", "grading_standing"):
            cur.execute(f"VACUUM ANALYZE {table}")
    start = time.perf_counter()
    rebuild(now=timezone.now())
    print(f"first rebuild: {time.perf_counter() - start:.1f} s", flush=True)
    rollup.vacuum()


def timed(function, rounds: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    function()  # warm: translations, the policy, the plan cache
    samples, value = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        value = function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, value


def figures(samples: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(samples), 2), "p99_ms": percentile(samples, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10, help="order lines per customer")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--new-lines", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from zhike.analytics import dashboards, rollup
    from zhike.analytics.rebuild import rebuild
    from zhike.analytics.selectors import run_report
    from zhike.org.models import User
    from zhike.policy.loader import load_policy

    call_command("migrate", verbosity=0)
    build(args.customers, args.lines)
    policy = load_policy("manufacturer")
    today = timezone.localdate()
    year = str(today.year)
    gm = User.objects.get(username="ana-gm")
    seller = User.objects.get(username="ana-7")
    results: dict[str, dict] = {}

    samples, _board = timed(
        lambda: dashboards.dashboard(gm, policy=policy, today=today), args.rounds
    )
    results["GM dashboard (9 cards)"] = figures(samples)
    samples, _board = timed(
        lambda: dashboards.dashboard(seller, policy=policy, today=today), args.rounds
    )
    results["salesperson dashboard (5 cards)"] = figures(samples)
    params = {"start": f"{year}-01", "end": f"{year}-12", "by": "grade"}
    samples, outcome = timed(
        lambda: run_report(gm, "structure", params, policy=policy, today=today), args.rounds
    )
    results["structure by grade, a year, GM"] = figures(samples)
    ours = {row[0]: Decimal(row[1]) for row in outcome[2].rows}  # type: ignore[index]

    hand_sql = (
        "SELECT s.grade, SUM(l.amount) FROM trade_orderline l"
        " LEFT JOIN grading_standing s ON s.customer_id = l.customer_id"
        " WHERE l.signed_on >= %s AND l.signed_on < %s GROUP BY s.grade"
    )

    def by_hand():  # type: ignore[no-untyped-def]
        with connection.cursor() as cur:
            cur.execute(hand_sql, [f"{year}-01-01", f"{int(year) + 1}-01-01"])
            return cur.fetchall()

    samples, rows = timed(by_hand, 3)
    results["structure by grade, a year: hand SQL over the lines"] = figures(samples)
    labels = {"A": "重要客户", "B": "较重要客户", "C": "一般性客户", None: "未评级", "": "未评级"}
    theirs = {labels[g]: Decimal(str(a)).quantize(Decimal("0.01")) for g, a in rows}  # type: ignore[union-attr]
    results["structure by grade: figures agree"] = {
        "equal": all(ours[k] == v for k, v in theirs.items())
    }

    def seller_by_hand():  # type: ignore[no-untyped-def]
        with connection.cursor() as cur:
            cur.execute(
                "SELECT SUM(l.amount) FROM trade_orderline l JOIN archive_customer c ON c.id ="
                " l.customer_id WHERE c.owner_id = %s"
                " AND l.signed_on >= date_trunc('month', now())",
                [seller.pk],
            )
            return cur.fetchone()

    samples, _v = timed(seller_by_hand, 5)
    results["salesperson's month from the lines: hand SQL"] = figures(samples)

    # A day's upkeep: 50,000 new lines (one statement, as an import), then 5,000 customers
    # transferred (as a lapse sweep or a hand-over does).
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO trade_orderline (order_id, customer_id, signed_on, product, category,"
            " quantity, unit, list_price, price, amount)"
            " SELECT o.id, o.customer_id, current_date, '货品', '粮油', 1, '吨', 100, 100, 321"
            " FROM trade_order o WHERE o.number LIKE 'ANA-HT%%' ORDER BY o.id LIMIT %s",
            [args.new_lines],
        )
    start = time.perf_counter()
    done = rollup.refresh(now=timezone.now())
    results[f"upkeep: {args.new_lines:,} new lines"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "deltas": done.deltas,
    }
    with connection.cursor() as cur:
        cur.execute(
            # to the seller, or away from it for those a previous run gave it: a real move
            "UPDATE archive_customer SET owner_id = CASE WHEN owner_id = %s THEN %s ELSE %s END"
            " WHERE id IN (SELECT id FROM archive_customer WHERE code LIKE 'ANA%%'"
            " ORDER BY id DESC LIMIT 5000)",
            [seller.pk, seller.pk + 1, seller.pk],
        )
    start = time.perf_counter()
    done = rollup.refresh(now=timezone.now())
    results["upkeep: 5,000 customers transferred"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "customers": done.customers,
    }
    start = time.perf_counter()
    rebuild(now=timezone.now())
    results["full rebuild"] = {"seconds": round(time.perf_counter() - start, 2)}
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM trade_orderline")
        total_lines = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM analytics_salescube")
        cells = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM analytics_customersales")
        months = cur.fetchone()[0]
    results["sizes"] = {"order_lines": total_lines, "cube_cells": cells, "customer_months": months}
    title = f"{connection.vendor}, {args.customers:,} customers, {total_lines:,} order lines"
    report("analytics", title, results)


if __name__ == "__main__":
    main()
