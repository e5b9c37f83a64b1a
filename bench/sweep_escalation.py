"""Cost of the escalation sweep over N open, overdue deadlines, next to the same work as
hand-written SQL (claim with one UPDATE, write the notices with one INSERT … SELECT).

    uv run python bench/sweep_escalation.py --deadlines 100000                 # SQLite
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_bench \
        uv run python bench/sweep_escalation.py --deadlines 100000             # PostgreSQL

Uses its own database (var/bench-sweep.sqlite3, or the DATABASE_URL you give), migrates
it, fills it, prints a table and writes bench/results/sweep_escalation.json.
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
    os.environ.setdefault("ZHIKE_SQLITE_PATH", str(ROOT / "var" / "bench-sweep.sqlite3"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--assignees", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from zhike.org.models import User
    from zhike.org.services import department_create, ensure_roles, user_create
    from zhike.policy.loader import load_policy
    from zhike.workflow.deadlines import sweep_overdue
    from zhike.workflow.models import Deadline, Notice

    call_command("migrate", verbosity=0)
    ensure_roles()
    policy = load_policy("general")
    now = timezone.now()

    def reset() -> None:
        with transaction.atomic():
            Notice.objects.all().delete()
            Deadline.objects.all().delete()
            User.objects.exclude(username__startswith="bench-").delete()
            if not User.objects.filter(username__startswith="bench-").exists():
                dept = department_create(name="销售部", code="bench-sales")
                user_create(
                    username="bench-sup", password="x", department=dept, roles=["supervisor"]
                )
                for i in range(args.assignees):
                    user_create(
                        username=f"bench-{i}", password="x", department=dept, roles=["salesperson"]
                    )
            assignees = list(
                User.objects.filter(username__startswith="bench-")
                .exclude(username="bench-sup")
                .values_list("id", flat=True)
            )
            due = now - timedelta(hours=1)
            Deadline.objects.bulk_create(
                [
                    Deadline(
                        rule="bench",
                        title=f"拜访报告 {i}",
                        assignee_id=assignees[i % len(assignees)],
                        due_at=due,
                        next_escalation_at=due,
                        policy_version="bench",
                    )
                    for i in range(args.deadlines)
                ],
                batch_size=5000,
            )

    queries = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries[0] += 1
        return execute(sql, params, many, context)

    results = {}
    reset()
    start = time.perf_counter()
    with connection.execute_wrapper(count):
        outcome = sweep_overdue(policy=policy, now=now)
    results["zhike sweep_overdue"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "queries": queries[0],
        "escalated": outcome.escalated,
        "notices": outcome.notices,
    }
    again = time.perf_counter()
    queries[0] = 0
    with connection.execute_wrapper(count):
        second = sweep_overdue(policy=policy, now=now)
    results["second run (nothing due)"] = {
        "seconds": round(time.perf_counter() - again, 3),
        "queries": queries[0],
        "escalated": second.escalated,
        "notices": second.notices,
    }

    reset()
    sup = User.objects.get(username="bench-sup").pk
    vendor = connection.vendor
    token = (
        "00000000000000000000000000000001"
        if vendor == "sqlite"
        else "00000000-0000-0000-0000-000000000001"
    )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE workflow_deadline SET claim = %s, escalation_level = escalation_level + 1, "
            "overdue_since = COALESCE(overdue_since, %s), next_escalation_at = %s "
            "WHERE state = 'open' AND next_escalation_at <= %s",
            [token, now, now + timedelta(days=1), now],
        )
        cur.execute(
            "INSERT INTO workflow_notice (recipient_id, kind, title, body, link, created_at) "
            "SELECT assignee_id, 'deadline.overdue', title, '', link, %s "
            "FROM workflow_deadline WHERE claim = %s",
            [now, token],
        )
        cur.execute(
            "INSERT INTO workflow_notice (recipient_id, kind, title, body, link, created_at) "
            "SELECT %s, 'deadline.escalated', title, '', link, %s "
            "FROM workflow_deadline WHERE claim = %s",
            [sup, now, token],
        )
    results["raw SQL (3 statements)"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "queries": 3,
        "escalated": Deadline.objects.filter(escalation_level=1).count(),
        "notices": Notice.objects.count(),
    }

    print(f"\n{vendor}, {args.deadlines:,} open overdue deadlines, {args.assignees} assignees")
    print(f"{'run':32} {'seconds':>8} {'queries':>8} {'escalated':>10} {'notices':>9}")
    for name, r in results.items():
        print(
            f"{name:32} {r['seconds']:>8} {r['queries']:>8} {r['escalated']:>10} {r['notices']:>9}"
        )
    command = " ".join(["python", *sys.argv])
    print(f"\ncommand: {'DATABASE_URL=… ' if vendor != 'sqlite' else ''}{command}")
    out = ROOT / "bench" / "results" / "sweep_escalation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"command": command, "vendor": vendor, "results": results}, ensure_ascii=False, indent=2
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
