"""The complaint register at scale (issue 15, "Done when"): 1,000,000 complaints of which
100,000 are open, on PostgreSQL. Measures, each beside hand SQL in the same run:

- a handler's queue (their open complaints, major first, then priority, then due), p99;
- the SLA sweep with one target of every open complaint due (half warnings, half
  breaches), then a second sweep with nothing due;
- one month's statistics for the CRM manager (every complaint in scope).

    createdb -h 127.0.0.1 -U postgres zhike_srv
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_srv \
        uv run python bench/servicedesk.py --complaints 1000000

Builds its data with set-based SQL the first time (100 handlers, received over the last
365 days, every tenth complaint open, two targets each), and puts the targets back after
each sweep. Prints a table and writes bench/results/servicedesk.json.
"""

import argparse
import os
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

HANDLERS = 100
QUEUE_SQL = (
    "SELECT c.* FROM servicedesk_complaint c WHERE c.handler_id = %s AND NOT (c.state = 'closed')"
    " ORDER BY c.major DESC, c.priority ASC, c.due_at ASC, c.id ASC LIMIT 50"
)


def build(count: int) -> None:
    from django.db import transaction

    from zhike.org.models import User
    from zhike.org.services import ensure_roles

    ensure_roles()
    if User.objects.filter(username="srv-0").exists():
        return
    with transaction.atomic():
        _build(count)


def _build(count: int) -> None:
    from django.db import connection

    from zhike.org.models import User
    from zhike.org.services import department_create, user_create

    service = department_create(name="客户服务部", code="service")
    department_create(name="技术部", code="tech")
    user_create(username="srv-crm", password="x", department=service, roles=["crm_manager"])
    user_create(username="srv-gm", password="x", department=service, roles=["general_manager"])
    for i in range(HANDLERS):
        user_create(username=f"srv-{i}", password="x", department=service, roles=["service_agent"])
    first = User.objects.get(username="srv-0").pk
    print(f"building {count:,} complaints …", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO servicedesk_complaint (number, channel, received_at, complainant, phone,"
            " email, reference, content, demand, category, team, department_id, major,"
            " major_reasons, state, priority, due_at, paused, handler_id, registered_by_id,"
            " reply, cause, solution, summary, corrective, preventive, crisis_meeting,"
            " warning_report, reopened, policy_version, created_at, closed_at, satisfaction)"
            " SELECT 'TS' || lpad(g::text, 14, '0'),"
            " (ARRAY['hotline','visit','email','online','box'])[1 + g %% 5],"
            " now() - (g %% 365) * interval '1 day' - (g %% 24) * interval '1 hour',"
            " '投诉人' || g, '139' || lpad((g %% 100000000)::text, 8, '0'), '', '', '基准投诉内容',"
            " 'criticism', (ARRAY['product_quality','after_sales','service_quality'])[1 + g %% 3],"
            " (ARRAY['complaint','service','complaint'])[1 + g %% 3], %s, g %% 50 = 0,"
            " '[]'::jsonb, CASE WHEN g %% 10 = 0 THEN 'assigned' ELSE 'closed' END,"
            " 1 + g %% 9, CASE WHEN g %% 10 = 0 THEN now() + (g %% 72) * interval '1 hour' END,"
            " false, %s + (g / 10) %% %s, %s, '', '', '', '', '', '', '', '', 0, 'bench-1', now(),"
            " CASE WHEN g %% 10 = 0 THEN NULL ELSE now() END,"
            " CASE WHEN g %% 10 = 0 THEN NULL ELSE 1 + g %% 5 END"
            " FROM generate_series(1, %s) g",
            [service.pk, first, HANDLERS, first, count],
        )
        # Two targets per complaint: met for the closed ones, open for the others.
        cur.execute(
            "INSERT INTO servicedesk_target (complaint_id, kind, round, start, due_at, warn_at,"
            " beyond_calendar_data, met_at, next_check_at, policy_version)"
            " SELECT c.id, k.kind, 0, c.received_at, c.received_at + k.span,"
            " c.received_at + k.span * 0.8, false,"
            " CASE WHEN c.state = 'closed' THEN c.received_at + k.span * 0.5 END,"
            " CASE WHEN c.state = 'closed' THEN NULL ELSE now() + interval '30 days' END,"
            " 'bench-1' FROM servicedesk_complaint c CROSS JOIN (VALUES ('solution',"
            " interval '1 day'), ('closure', interval '7 days')) AS k(kind, span)"
        )
        cur.execute("ANALYZE servicedesk_complaint")
        cur.execute("ANALYZE servicedesk_target")


def arm(now: object, version: str) -> None:
    """One target of every open complaint due now: solutions warned, closures breached
    (computed under the policy in force, so none is recomputed first)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM workflow_delivery")
        cur.execute("DELETE FROM workflow_notice")
        cur.execute(
            "UPDATE servicedesk_target t SET warned_at = NULL, breached_at = NULL,"
            " policy_version = %s, breached_handler_id = NULL, claim = NULL,"
            " due_at = CASE WHEN kind = 'solution' THEN %s::timestamptz + interval '1 hour'"
            " ELSE %s::timestamptz - interval '1 hour' END,"
            " warn_at = %s::timestamptz - interval '2 hours',"
            " next_check_at = CASE WHEN kind = 'solution' THEN %s::timestamptz - interval"
            " '2 hours' ELSE %s::timestamptz - interval '1 hour' END"
            " FROM servicedesk_complaint c WHERE c.id = t.complaint_id AND c.state <> 'closed'"
            " AND ((kind = 'solution' AND c.id / 10 %% 2 = 0)"
            " OR (kind = 'closure' AND c.id / 10 %% 2 = 1))",
            [version, now, now, now, now, now],
        )
        cur.execute(
            "UPDATE servicedesk_target t SET policy_version = %s,"
            " next_check_at = %s::timestamptz + interval '30 days'"
            " FROM servicedesk_complaint c WHERE c.id = t.complaint_id AND c.state <> 'closed'"
            " AND NOT ((kind = 'solution' AND c.id / 10 %% 2 = 0)"
            " OR (kind = 'closure' AND c.id / 10 %% 2 = 1))",
            [version, now],
        )
        cur.execute("VACUUM ANALYZE servicedesk_target")


def hand_sweep(now: object, crm: int, gm: int) -> int:
    """The sweep's work as hand SQL: claim and move every due target in one UPDATE, then
    the notices in INSERT … SELECT (handler for both; the chain's two roles on breach)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE swept ON COMMIT DROP AS WITH due AS (SELECT t.id FROM"
            " servicedesk_target t WHERE t.next_check_at <= %s FOR UPDATE), upd AS ("
            " UPDATE servicedesk_target t SET"
            " warned_at = CASE WHEN t.due_at > %s AND t.warned_at IS NULL THEN %s ELSE"
            " t.warned_at END, breached_at = CASE WHEN t.due_at <= %s THEN %s END,"
            " next_check_at = CASE WHEN t.due_at <= %s THEN NULL ELSE t.due_at END"
            " FROM due WHERE t.id = due.id RETURNING t.complaint_id, t.breached_at)"
            " SELECT u.complaint_id, u.breached_at, c.handler_id, c.number FROM upd u"
            " JOIN servicedesk_complaint c ON c.id = u.complaint_id",
            [now, now, now, now, now, now],
        )
        cur.execute(
            "INSERT INTO workflow_notice (recipient_id, kind, title, body, link, created_at)"
            " SELECT handler_id, CASE WHEN breached_at IS NULL THEN 'complaint.warning' ELSE"
            " 'complaint.breached' END, '投诉 ' || number, '', '/service/complaints/' ||"
            " complaint_id || '/', %s FROM swept",
            [now],
        )
        cur.execute(
            "INSERT INTO workflow_notice (recipient_id, kind, title, body, link, created_at)"
            " SELECT r.id, 'complaint.breached', '投诉 ' || number, '', '/service/complaints/' ||"
            " complaint_id || '/', %s FROM swept CROSS JOIN (VALUES (%s), (%s)) AS r(id)"
            " WHERE breached_at IS NOT NULL",
            [now, crm, gm],
        )
        cur.execute("SELECT count(*) FROM swept")
        return int(cur.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--queue-samples", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from zhike.org.models import User
    from zhike.policy.loader import load_policy
    from zhike.servicedesk.clock import computed_under
    from zhike.servicedesk.selectors import queue
    from zhike.servicedesk.stats import month_bounds, month_figures
    from zhike.servicedesk.sweep import sweep_targets

    call_command("migrate", verbosity=0)
    build(args.complaints)
    policy = load_policy("general")
    handlers = list(
        User.objects.filter(username__startswith="srv-")
        .exclude(username__in=["srv-crm", "srv-gm"])
        .order_by("pk")
    )
    crm = User.objects.get(username="srv-crm")
    gm = User.objects.get(username="srv-gm")
    results: dict[str, dict] = {}

    # 1. The handler's queue: the first page, through the selector, then the same SQL.
    zhike_ms, raw_ms = [], []
    for i in range(args.queue_samples):
        handler = handlers[i % len(handlers)]
        start = time.perf_counter()
        rows = list(queue(handler, mine=True)[:50])
        zhike_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(QUEUE_SQL, [handler.pk])
            cur.fetchall()
        raw_ms.append((time.perf_counter() - start) * 1000)
    results["queue: zhike selector (50 rows)"] = {
        "p50_ms": round(statistics.median(zhike_ms), 2),
        "p99_ms": percentile(zhike_ms, 0.99),
        "rows": len(rows),
    }
    results["queue: hand SQL"] = {
        "p50_ms": round(statistics.median(raw_ms), 2),
        "p99_ms": percentile(raw_ms, 0.99),
    }

    # 2. The sweep: zhike's, a second one, then hand SQL over the same armed targets.
    now = timezone.now()
    arm(now, computed_under(policy))
    start = time.perf_counter()
    outcome = sweep_targets(policy=policy, now=now)
    results["sweep: zhike sweep_targets"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "warned": outcome.warned,
        "breached": outcome.breached,
        "notices": outcome.notices,
    }
    start = time.perf_counter()
    second = sweep_targets(policy=policy, now=now)
    results["sweep: second run"] = {
        "seconds": round(time.perf_counter() - start, 3),
        "warned": second.warned,
        "breached": second.breached,
    }
    arm(now, computed_under(policy))
    start = time.perf_counter()
    swept = hand_sweep(now, crm.pk, gm.pk)
    results["sweep: hand SQL"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "targets": swept,
    }

    # 3. Last month's statistics for the CRM manager (every complaint in scope).
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    start = time.perf_counter()
    figures = month_figures(crm, month=month, policy=policy)
    results["stats: zhike month_figures"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "complaints": figures.total,
    }
    first, end = month_bounds(month)
    start = time.perf_counter()
    with connection.cursor() as cur:
        where = "FROM servicedesk_complaint WHERE received_at >= %s AND received_at < %s"
        for sql in (
            f"SELECT count(*), count(*) FILTER (WHERE major), count(*) FILTER (WHERE state ="
            f" 'closed'), avg(satisfaction) {where}",
            f"SELECT category, count(*) {where} GROUP BY 1",
            f"SELECT channel, count(*) {where} GROUP BY 1",
            f"SELECT department_id, count(*) {where} GROUP BY 1",
            f"SELECT responsible_department_id, count(*) {where} AND responsible_department_id"
            " IS NOT NULL GROUP BY 1",
            f"SELECT handler_id, count(*) {where} AND handler_id IS NOT NULL GROUP BY 1",
        ):
            cur.execute(sql, [first, end])
            cur.fetchall()
        cur.execute(
            "SELECT t.breached_handler_id, count(*) FROM servicedesk_target t JOIN"
            " servicedesk_complaint c ON c.id = t.complaint_id WHERE c.received_at >= %s AND"
            " c.received_at < %s AND t.breached_at IS NOT NULL GROUP BY 1",
            [first, end],
        )
        cur.execute(
            "SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai'), count(*)"
            " FROM servicedesk_complaint WHERE received_at >= %s - interval '11 months' AND"
            " received_at < %s GROUP BY 1",
            [first, end],
        )
        cur.fetchall()
    results["stats: hand SQL"] = {"seconds": round(time.perf_counter() - start, 2)}

    title = (
        f"{connection.vendor}, {args.complaints:,} complaints,"
        f" {args.complaints // 10:,} open, {HANDLERS} handlers"
    )
    report("servicedesk", title, results)


if __name__ == "__main__":
    main()
