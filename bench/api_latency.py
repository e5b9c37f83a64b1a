"""Latency and throughput of the customer API and the 360° page against a running zhike,
next to the same query as a bare Django view (the framework's floor, with ``--floor``) and
as raw SQL through the database driver (the ceiling).

    DJANGO_SETTINGS_MODULE=floor_settings ZHIKE_DEBUG=0 \
        uv run gunicorn zhike.wsgi --pythonpath bench/floor -w 3 -b 127.0.0.1:8768 &
    uv run python bench/api_latency.py --url http://127.0.0.1:8768 --floor \
        --user sales1 --clients 8 --seconds 20 --sqlite var/demo.sqlite3

Prints a table and writes bench/results/api_latency.json with the command used.
"""

import argparse
import contextlib
import http.client
import json
import re
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

PAGE_SQL = (
    "SELECT c.*, u.username, d.name FROM archive_customer c "
    "LEFT JOIN org_user u ON u.id = c.owner_id "
    "LEFT JOIN org_department d ON d.id = c.department_id "
    "WHERE c.id IN (SELECT id FROM archive_customer WHERE owner_id = ? "
    "AND merged_into_id IS NULL ORDER BY id DESC LIMIT 50) ORDER BY c.id DESC"
)
# The list's count stops at ZHIKE_LIST_COUNT_CAP (1,000): the same here.
COUNT_SQL = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM archive_customer "
    "WHERE owner_id = ? AND merged_into_id IS NULL LIMIT 1001) capped"
)


def get_token(base: str, user: str, password: str) -> str:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
    body = json.dumps({"username": user, "password": password})
    conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read())
    if response.status != 200:
        sys.exit(f"sign-in failed: {response.status} {data}")
    return data["token"]


def get_session(base: str, user: str, password: str) -> str:
    """Sign in through the web login form; the session cookie for the pages."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf_cookie or not csrf_field:
        sys.exit("no CSRF token on the login page")
    body = f"username={user}&password={password}&csrfmiddlewaretoken={csrf_field[1]}"
    conn.request(
        "POST",
        "/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie[1]}",
            "Referer": base + "/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        sys.exit(f"web sign-in failed: {response.status}")
    return f"sessionid={session[1]}"


def get_json(base: str, path: str, token: str) -> dict:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    return json.loads(conn.getresponse().read())


def hammer(base: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> dict:
    """``clients`` threads, each on one keep-alive connection, for ``seconds``."""
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return summary(latencies, elapsed, errors[0])


def summary(latencies: list[float], elapsed: float, errors: int = 0) -> dict:
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def run_clients(work, clients: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    """``clients`` threads, each calling ``work(connect())`` until the time is up; ``work``
    is a context manager factory that yields one timed call per iteration."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        with work() as call:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                call()
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(latencies, time.perf_counter() - began)


def raw_sqlite(path: str, sql: list[tuple[str, tuple]], clients: int, seconds: float) -> dict:
    """The same statements through the sqlite3 driver, one connection per thread."""

    @contextlib.contextmanager
    def work():  # type: ignore[no-untyped-def]
        db = sqlite3.connect(path, check_same_thread=False)
        yield lambda: [db.execute(statement, params).fetchall() for statement, params in sql]
        db.close()

    return run_clients(work, clients, seconds)


def raw_postgres(
    url: str, sql: list[tuple[str, tuple]], clients: int, seconds: float, options: str = ""
) -> dict:
    """The same statements through psycopg, one connection per thread, opened with the
    server ``options`` zhike's connections have (no parallel workers: settings)."""
    import psycopg

    @contextlib.contextmanager
    def work():  # type: ignore[no-untyped-def]
        with psycopg.connect(url, options=options) as db:
            yield lambda: [
                db.execute(statement.replace("?", "%s"), params).fetchall()
                for statement, params in sql
            ]

    return run_clients(work, clients, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="sales1")
    parser.add_argument("--password", default="zhike-demo")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--sqlite", help="path of the server's SQLite file, for the raw SQL row")
    parser.add_argument("--postgres", help="the server's PostgreSQL URL, for the raw SQL rows")
    parser.add_argument(
        "--floor", action="store_true", help="the server runs bench/floor/floor_settings"
    )
    args = parser.parse_args()

    token = get_token(args.url, args.user, args.password)
    api = {"Authorization": f"Bearer {token}"}
    web = {"Cookie": get_session(args.url, args.user, args.password)}
    first = get_json(args.url, "/api/v1/customers?limit=1", token)["items"][0]
    cases = {
        "list, first page (50)": ("/api/v1/customers?limit=50", api),
        "list, page 10": ("/api/v1/customers?limit=50&offset=450", api),
        "list, page 200": ("/api/v1/customers?limit=50&offset=9950", api),
        "list, filtered (status 成交)": ("/api/v1/customers?status=deal", api),
        "search, name fragment 科技": ("/api/v1/customers?q=%E7%A7%91%E6%8A%80", api),
        "search, pinyin initials hbjy": ("/api/v1/customers?q=hbjy", api),
        "search, phone tail 5678": ("/api/v1/customers?q=5678", api),
        "detail (API)": (f"/api/v1/customers/{first['id']}", api),
        "360° page (HTML)": (f"/customers/{first['id']}/", web),
        "count": ("/api/v1/customers/count", api),
    }
    if args.floor:
        cases["bare Django view, same query (floor)"] = (
            f"/bench/floor?owner={first['owner_id']}",
            {},
        )
    results = {
        name: hammer(args.url, path, headers, args.clients, args.seconds)
        for name, (path, headers) in cases.items()
    }
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres) as db:
            row = db.execute("SELECT id FROM org_user WHERE username = %s", (args.user,))
            (owner_id,) = row.fetchone()  # type: ignore[misc]
        results["raw SQL: owner's first page + capped count"] = raw_postgres(
            args.postgres,
            [
                (PAGE_SQL, (owner_id,)),
                (COUNT_SQL, (owner_id,)),
            ],
            args.clients,
            args.seconds,
        )
        results["raw SQL: search 'hbjy' (trigram)"] = raw_postgres(
            args.postgres,
            [
                (
                    "SELECT id, name FROM archive_customer WHERE search_text LIKE ? "
                    "ORDER BY id DESC LIMIT 50",
                    ("%hbjy%",),
                ),
            ],
            args.clients,
            args.seconds,
        )
    if args.sqlite:
        db = sqlite3.connect(args.sqlite)
        (owner_id,) = db.execute(
            "SELECT id FROM org_user WHERE username = ?", (args.user,)
        ).fetchone()
        results["raw SQL: owner's first page + capped count"] = raw_sqlite(
            args.sqlite,
            [
                (PAGE_SQL, (owner_id,)),
                (COUNT_SQL, (owner_id,)),
            ],
            args.clients,
            args.seconds,
        )

    print(f"\n{'case':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:42} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>7}")
    floor_share = None
    if args.floor:
        # The share of the floor from alternating rounds, best of three each: on a shared
        # 2-core machine one 20-second run of each, minutes apart, differs by 20 %.
        paired: dict[str, list[float]] = {"list": [], "floor": []}
        for _ in range(3):
            for name, case in (
                ("list", "list, first page (50)"),
                ("floor", "bare Django view, same query (floor)"),
            ):
                path, headers = cases[case]
                run = hammer(args.url, path, headers, args.clients, args.seconds / 2)
                paired[name].append(run["rps"])
        floor_share = {
            "share": round(max(paired["list"]) / max(paired["floor"]), 3),
            "rounds": paired,
        }
        print(
            f"\nlist endpoint keeps {floor_share['share']:.0%} of the bare view's throughput "
            f"(alternating rounds, req/s: list {paired['list']}, floor {paired['floor']})"
        )
    command = " ".join(["python", *sys.argv])
    print(f"\ncommand: {command}")
    out = Path(__file__).parent / "results" / "api_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"command": command, "results": results, "floor_share": floor_share},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
