"""The lapse sweep (OWN-1) over a million customers of which 100,000 lapse, next to the same
release written as hand SQL in one run; then a second sweep (nothing due) and the claim's
latency under 8 concurrent claimants (issue 14, "Done when").

    createdb -h 127.0.0.1 -U postgres zhike_own
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_own \
        uv run python bench/ownership_sweep.py --customers 1000000

Builds its own data with set-based SQL the first time (200 salespeople; owned 400 days;
the last qualifying contact ``id % 100`` days ago, so with ``lapse_days = 90`` one in ten
lapses and ``notice_days = 3`` warns three in a hundred), and puts it back after each run.
Prints a table and writes bench/results/ownership_sweep.json with the command used.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")

POLICY = """
[policy]
name = "bench"
version = "bench-1"
effective_date = 2026-01-01
extends = "real-estate"

[ownership]
enabled = true
lapse_days = 90
notice_days = 3
exempt_statuses = []
"""
PEOPLE = 200


def build(count: int) -> None:
    from django.db import connection

    from zhike.org.models import User
    from zhike.org.services import department_create, ensure_roles, user_create

    ensure_roles()
    if User.objects.filter(username="own-0").exists():
        return
    dept = department_create(name="销售部", code="own-sales")
    for i in range(PEOPLE):
        user_create(username=f"own-{i}", password="x", department=dept, roles=["salesperson"])
    user_create(username="own-claim", password="x", department=dept, roles=["salesperson"])
    first = User.objects.get(username="own-0").pk
    print(f"building {count:,} customers …", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO archive_customer (code, name, status, phone, customer_type, source,"
            " referrer_name, industry, size, province, city, district, address, uscc,"
            " id_number_cipher, id_number_hash, search_text, owner_id, department_id,"
            " created_by_id, created_at, updated_at, version, owned_since, last_contact_at)"
            " SELECT 'OWN' || lpad(g::text, 9, '0'), '归属测试客户' || g, 'intent',"
            " '138' || lpad(g::text, 8, '0'), 'enterprise', '', '', '', '', '', '', '', '', '',"
            " '', '', '', %s + g %% %s, %s, %s + g %% %s, now() - interval '400 days', now(),"
            " 1, now() - interval '400 days', now() - (g %% 100) * interval '1 day'"
            " - interval '1 hour' FROM generate_series(1, %s) g",
            [first, PEOPLE, dept.pk, first, PEOPLE, count],
        )
        cur.execute("ANALYZE archive_customer")


def restore() -> None:
    """Put every lapsed customer back with its owner, as before the sweep."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE archive_customer c SET owner_id = h.from_user_id, owned_since = now()"
            " - interval '400 days', lapse_warned_at = NULL FROM archive_ownershipchange h"
            " WHERE h.customer_id = c.id AND h.kind = 'lapsed'"
        )
        cur.execute(
            "UPDATE archive_customer SET lapse_warned_at = NULL WHERE lapse_warned_at IS NOT NULL"
        )
        # The customers marked dirty by the runs' writes too: left for an analytics job
        # that the bench does not run, they grew by 200,000 rows a run.
        written = (
            "ownership_poolentry",
            "archive_ownershipchange",
            "workflow_notice",
            "analytics_dirtycustomer",
        )
        for table in written:
            cur.execute(f"DELETE FROM {table}")  # fixed names
        # Vacuumed as autovacuum would between sweeps: with 1,100,000 dead history rows
        # and 3,200,000 dirty marks left by earlier runs, a sweep took 55.7 s; from this
        # clean state 30.0 s.
        cur.execute(f"VACUUM ANALYZE archive_customer, {', '.join(written)}")


def hand_sql(now: object, pool_id: int) -> int:
    """The same release as zhike's, as five statements: free the due customers, give them
    a pool entry, a history row and an audit event each, warn the owners of those due
    within the notice days."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE freed (id bigint, owner_id bigint) ON COMMIT DROP")
        cur.execute(
            "WITH due AS ("
            " SELECT id, owner_id FROM archive_customer WHERE owner_id IS NOT NULL"
            " AND merged_into_id IS NULL AND GREATEST(COALESCE(last_contact_at, owned_since),"
            " owned_since) < %s - interval '90 days' FOR UPDATE), upd AS ("
            " UPDATE archive_customer c SET owner_id = NULL, owned_since = NULL,"
            " lapse_warned_at = NULL, updated_at = %s, version = c.version + 1 FROM due"
            " WHERE c.id = due.id RETURNING c.id, due.owner_id)"
            " INSERT INTO freed SELECT * FROM upd",
            [now, now],
        )
        cur.execute(
            "INSERT INTO ownership_poolentry (customer_id, pool_id, since, previous_owner_id,"
            " reason, claimable_from) SELECT id, %s, %s, owner_id, '连续 90 天无有效联系', %s"
            " FROM freed",
            [pool_id, now, now],
        )
        cur.execute(
            "INSERT INTO archive_ownershipchange (customer_id, kind, from_user_id, at, reason,"
            " rule, pool, policy_version) SELECT id, 'lapsed', owner_id, %s,"
            " '连续 90 天无有效联系', 'ownership.lapse_days', 'public', 'bench-1' FROM freed",
            [now],
        )
        cur.execute(
            "INSERT INTO audit_event (action, content_type_id, object_id, details, created_at)"
            " SELECT 'ownership.lapsed', (SELECT id FROM django_content_type WHERE"
            " app_label = 'archive' AND model = 'customer'), id, '{}', %s FROM freed",
            [now],
        )
        cur.execute(
            "UPDATE archive_customer SET lapse_warned_at = %s WHERE owner_id IS NOT NULL"
            " AND GREATEST(COALESCE(last_contact_at, owned_since), owned_since)"
            " < %s - interval '87 days'",
            [now, now],
        )
        cur.execute("SELECT count(*) FROM freed")
        return int(cur.fetchone()[0])


def _claimant(args: tuple[int, list[int], bool, float]) -> tuple[float, list[float]]:
    """One claimant process: its own connection, claiming its share of the pool from the
    same moment as the others (after every process has started).

    The first claim is made before that moment and returned apart: it opens the
    connection and fills the process's caches (the user's rights, content types, the
    compiled pool query), as a web worker's first request does once in its life. With
    100 claims a process, those 8 first claims were the 8 slowest of 800, that is the p99
    itself (50–90 ms, where the warm claims' p99 was 26–32 ms)."""
    user_id, customer_ids, raw, start_at = args
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from zhike.org.models import User
    from zhike.ownership.services import customer_claim
    from zhike.policy.loader import parse_policy

    policy = parse_policy(POLICY, "bench")
    user = User.objects.get(pk=user_id)
    samples = []
    for n, pk in enumerate(customer_ids):
        if n == 1:
            time.sleep(max(0.0, start_at - time.time()))
        start = time.perf_counter()
        if raw:  # the floor: the compare-and-set and its history row, nothing else
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "UPDATE archive_customer SET owner_id = %s, owned_since = now()"
                    " WHERE id = %s AND owner_id IS NULL",
                    [user_id, pk],
                )
                cur.execute(
                    "INSERT INTO archive_ownershipchange (customer_id, kind, to_user_id, by_id,"
                    " at, reason, rule, pool, policy_version) VALUES (%s, 'claimed', %s, %s,"
                    " now(), '', '', 'public', 'bench-1')",
                    [pk, user_id, user_id],
                )
        else:
            customer_claim(by=user, customer_id=pk, policy=policy, now=timezone.now())
        samples.append((time.perf_counter() - start) * 1000)
    connection.close()
    return samples[0], samples[1:]


def settle() -> None:
    """Vacuum what the sweep and the claims before wrote, and checkpoint, so that each
    claim measure starts from the same state (not behind an autovacuum of 1M rows)."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("archive_customer", "archive_customertally", "ownership_poolentry"):
            cur.execute(f"VACUUM ANALYZE {table}")  # fixed names
        cur.execute("CHECKPOINT")


def claims(concurrency: int, per_claimant: int, *, raw: bool) -> dict[str, float]:
    """Claim latency: ``concurrency`` processes (as web workers are), each one person
    claiming its own share of the pool at the same time."""
    from multiprocessing import get_context

    from zhike.org.models import User
    from zhike.ownership.models import PoolEntry

    settle()

    people = list(
        User.objects.filter(username__startswith="own-")
        .exclude(username="own-claim")
        .order_by("pk")
        .values_list("pk", flat=True)[:concurrency]
    )
    each = per_claimant + 1  # and the first, cold claim
    pool = list(
        PoolEntry.objects.filter(customer__owner__isnull=True)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[: concurrency * each]
    )
    start_at = time.time() + 20  # every process set up by then (2 cores, Django each)
    shares = [
        (people[i], pool[i * each : (i + 1) * each], raw, start_at) for i in range(concurrency)
    ]
    from django.db import connection

    connection.close()  # not inherited by the children
    with get_context("spawn").Pool(concurrency) as workers:
        done = workers.map(_claimant, shares)
    samples = sorted(s for _first, part in done for s in part)
    return {
        "claims": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
        "first_claim_ms": round(max(first for first, _part in done), 2),  # worst cold one
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--claimants", type=int, default=8)
    parser.add_argument("--claims", type=int, default=100, help="claims per claimant")
    parser.add_argument(
        "--claims-only", action="store_true", help="only the claim latencies (after a sweep)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from zhike.ownership.pools import default_pool
    from zhike.ownership.sweep import sweep_lapses
    from zhike.policy.loader import parse_policy

    call_command("migrate", verbosity=0)
    build(args.customers)
    policy = parse_policy(POLICY, "bench")
    pool = default_pool(policy.ownership)
    restore()
    results: dict[str, dict] = {}
    if args.claims_only:
        sweep_lapses(policy=policy, now=timezone.now())
        for concurrency, raw in ((1, False), (args.claimants, False), (args.claimants, True)):
            name = f"{'raw' if raw else 'zhike'} claims, {concurrency} processes"
            results[name] = claims(concurrency, args.claims, raw=raw)
            print(name, results[name], flush=True)
        restore()
        return

    now = timezone.now()
    start = time.perf_counter()
    outcome = sweep_lapses(policy=policy, now=now)
    results["zhike sweep_lapses"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "released": outcome.released,
        "warned": outcome.warned,
    }
    start = time.perf_counter()
    second = sweep_lapses(policy=policy, now=now)
    results["second run (nothing due)"] = {
        "seconds": round(time.perf_counter() - start, 3),
        "released": second.released,
        "warned": second.warned,
    }
    print(results, flush=True)
    results["zhike claims, 1 process"] = claims(1, args.claims, raw=False)
    results[f"zhike claims, {args.claimants} processes"] = claims(
        args.claimants, args.claims, raw=False
    )
    results[f"raw claims, {args.claimants} processes"] = claims(
        args.claimants, args.claims, raw=True
    )
    print(results, flush=True)

    restore()
    start = time.perf_counter()
    freed = hand_sql(now, pool.pk)
    results["hand SQL (5 statements)"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "released": freed,
        "warned": None,
    }
    restore()

    zhike, raw = results["zhike sweep_lapses"]["seconds"], results["hand SQL (5 statements)"]
    ratio = round(zhike / raw["seconds"], 2) if raw["seconds"] else None
    print(f"\n{connection.vendor}, {args.customers:,} customers, {PEOPLE} owners")
    for name, r in results.items():
        print(f"{name:28} {json.dumps(r, ensure_ascii=False)}")
    print(f"zhike / hand SQL: {ratio}×")
    command = " ".join(["python", *sys.argv])
    print(f"\ncommand: DATABASE_URL=… {command}")
    out = ROOT / "bench" / "results" / "ownership_sweep.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"command": command, "vendor": connection.vendor, "ratio": ratio, "results": results},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
