"""Search at scale (issue 18): every kind of search term, drawn from the seeded data, for a
salesperson (own customers), a manager (department and below) and the GM (all), each
beside the SQL zhike issues for it — replayed by a bare Django view and by psycopg alone —
in one run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_1m ZHIKE_BENCH_SQL=/tmp/search.json \\
        DJANGO_SETTINGS_MODULE=floor_settings ZHIKE_DEBUG=0 \\
        uv run gunicorn zhike.wsgi --pythonpath bench/floor -w 3 -b 127.0.0.1:8768 &
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zhike_1m ZHIKE_BENCH_SQL=/tmp/search.json \\
        uv run python bench/search.py --url http://127.0.0.1:8768 --clients 8 --seconds 4

The terms come from one seeded customer (its trade word, its name's core, their pinyin and
initials, its phone's last four digits, its code and USCC prefixes) plus a term that matches
nothing and one that matches most of the table; the script prints how many live customers
each matches in the whole table and in each user's scope. For every (term, user) it
captures the statements the API's search runs (in-process, through Django's test client),
writes them to ``ZHIKE_BENCH_SQL`` for the bare view ``/bench/sql`` and replays them through
psycopg. zhike and the bare view run in alternating rounds; the share is best against best.
Writes bench/results/search.json.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote

from api_latency import get_token, hammer, raw_postgres

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")
os.environ.setdefault("ZHIKE_DEBUG", "0")

USERS = ("sales1", "mgr1", "gm")


def draw_terms() -> dict[str, str]:
    """Search terms of every kind, taken from a seeded enterprise owned by sales1."""
    from zhike.archive.models import Customer
    from zhike.archive.search import pinyin_forms
    from zhike.archive.seeding import TRADES, WORDS

    sample = (
        Customer.objects.filter(
            owner__username="sales1", merged_into__isnull=True, customer_type="enterprise"
        )
        .exclude(uscc="")
        .order_by("-id")
        .only("name", "code", "uscc", "phone")[137]
    )
    trade = next(t for t in TRADES if t in sample.name)
    word = next(w for w in WORDS if w + trade in sample.name)
    digits = "".join(ch for ch in sample.phone if ch.isdigit())
    return {
        "Chinese, 2 characters": trade,
        "Chinese, 4 characters": word + trade,
        "full pinyin": pinyin_forms(word)[0],
        "initials": pinyin_forms(word + trade)[1],
        "phone tail": digits[-4:],
        "code prefix": sample.code[:-2],
        "USCC prefix": sample.uscc[:10],
        "matches nothing": "量子纠缠",
        "matches > 10 %": "有限公司",
    }


def matches(term: str) -> dict[str, int]:
    """How many live customers the term finds in the whole table and in each scope."""
    from zhike.archive.models import Customer
    from zhike.archive.search_filters import search_filter
    from zhike.archive.selectors import customer_count
    from zhike.org.models import User

    found = {
        "all": Customer.objects.filter(merged_into__isnull=True).filter(search_filter(term)).count()
    }
    for username in USERS:
        user = User.objects.get(username=username)
        found[username] = customer_count(user, q=term)
    return found


def captured_sql(username: str, term: str) -> list[str]:
    """The statements on archive_customer that the API's search runs for ``username``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zhike.org.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    path = f"/api/v1/customers?q={quote(term)}&limit=50"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"{path} as {username}: {response.status_code}")
    # The bare view's connections plan without parallel workers as zhike's do (settings).
    return [q["sql"] for q in queries.captured_queries if "archive_customer" in q["sql"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8768")
    parser.add_argument("--password", default="zhike-demo")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per case")
    parser.add_argument("--only", help="run only the term kinds containing this text")
    args = parser.parse_args()
    sql_file = os.environ.get("ZHIKE_BENCH_SQL")
    database = os.environ.get("DATABASE_URL", "")
    if not sql_file or not database.startswith("postgres"):
        sys.exit("set DATABASE_URL (PostgreSQL) and ZHIKE_BENCH_SQL, as the server has them")

    import django

    django.setup()
    from django.conf import settings

    terms = {k: v for k, v in draw_terms().items() if not args.only or args.only in k}
    statements = {}
    counts = {}
    for kind, term in terms.items():
        counts[kind] = {"term": term, **matches(term)}
        for username in USERS:
            statements[f"{kind}|{username}"] = captured_sql(username, term)
    Path(sql_file).write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")

    print(f"\n{'kind':24} {'term':22} " + " ".join(f"{k:>9}" for k in ("all", *USERS)))
    for kind, row in counts.items():
        print(f"{kind:24} {row['term']:22} " + " ".join(f"{row[k]:>9,}" for k in ("all", *USERS)))

    tokens = {
        u: {"Authorization": f"Bearer {get_token(args.url, u, args.password)}"} for u in USERS
    }
    results: dict[str, dict] = {}
    for kind, term in terms.items():
        for username in USERS:
            case = f"{kind}|{username}"
            api = f"/api/v1/customers?q={quote(term)}&limit=50"
            bare = f"/bench/sql?case={quote(case)}"
            rounds: dict[str, list[dict]] = {"zhike": [], "bare": []}
            for _ in range(args.rounds):
                rounds["zhike"].append(
                    hammer(args.url, api, tokens[username], args.clients, args.seconds)
                )
                rounds["bare"].append(hammer(args.url, bare, {}, args.clients, args.seconds))
            raw = raw_postgres(
                database, [(s.replace("%", "%%"), ()) for s in statements[case]], args.clients,
                args.seconds, options=settings.DATABASES["default"]["OPTIONS"]["options"],
            )  # fmt: skip
            best = {name: max(runs, key=lambda r: r["rps"]) for name, runs in rounds.items()}
            results[case] = {
                "term": term,
                "matches": counts[kind][username],
                "zhike_rps": best["zhike"]["rps"],
                "zhike_p50_ms": best["zhike"]["p50_ms"],
                "zhike_p99_ms": max(r["p99_ms"] for r in rounds["zhike"]),
                "bare_rps": best["bare"]["rps"],
                "psycopg_rps": raw["rps"],
                "share": round(best["zhike"]["rps"] / best["bare"]["rps"], 2),
                "errors": sum(r["errors"] for runs in rounds.values() for r in runs),
                "statements": len(statements[case]),
            }
            r = results[case]
            print(
                f"{kind:24} {username:7} hits {r['matches']:>7,}  zhike {r['zhike_rps']:>6} req/s"
                f" p50 {r['zhike_p50_ms']:>6} p99 {r['zhike_p99_ms']:>6} ms | bare"
                f" {r['bare_rps']:>6} | psycopg {r['psycopg_rps']:>6} | share {r['share']:.0%}"
                f" | errors {r['errors']}",
                flush=True,
            )
    command = " ".join(["python", *sys.argv])
    print(f"\ncommand: {command}")
    out = Path(__file__).parent / "results" / "search.json"
    out.parent.mkdir(exist_ok=True)
    body = {"command": command, "counts": counts, "results": results, "statements": statements}
    out.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
