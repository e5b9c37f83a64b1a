"""Keeping the rollups (models.py) up to date: the job folds the triggers' deltas in and
re-keys the dirty customers; ``rebuild`` recomputes everything from the ledger.

Both run in one transaction under an exclusive lock (on PostgreSQL a session advisory
lock, and REPEATABLE READ so that every statement sees the same snapshot: what is deleted
from the delta and dirty tables is exactly what was folded in, while writers go on adding
rows the snapshot does not see; on SQLite the IMMEDIATE transaction holds the one write
lock). Every statement is set-based: the work grows with the changes, not the table.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from .models import RollupState
from .rollup_triggers import DELTA, DIRTY, MEASURES

# Each cube and the keys of its cells: the month, then the customer's keys (from Dims),
# then the category of the figures (a column of the deltas).
CUBES = {
    "analytics_ownercube": (("owner_key", "department_key"), ()),
    "analytics_salescube": (("owner_key", "department_key", "grade"), ("category",)),
    "analytics_regioncube": (("owner_key", "department_key", "province"), ()),
}
_LOCK = 7_317_017  # the rollups' advisory lock


def _current_keys(where: str = "") -> str:
    """Each customer's keys now: the Dims row it should have. Its "grade" is the level the
    policy grades by: the score grade, or the tier where the policy has no score (the
    general preset's 价值分级)."""
    return (
        "SELECT c.id AS customer_id, COALESCE(c.owner_id, 0) AS owner_key, "
        "COALESCE(c.department_id, 0) AS department_key, "
        "COALESCE(NULLIF(s.grade, ''), s.tier, '') AS grade, "
        "c.province AS province, c.status AS status, (c.merged_into_id IS NULL) AS live "
        "FROM archive_customer c LEFT JOIN grading_standing s ON s.customer_id = c.id "
        f"{where}"
    )


def _add(table: str, keys: tuple[str, ...], measures: tuple[str, ...]) -> str:
    sets = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    return f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"


def _sums(prefix: str = "") -> str:
    return ", ".join(f"SUM({prefix}{m})" for m in MEASURES)


def _nonzero() -> str:
    return " OR ".join(f"SUM({m}) <> 0" for m in MEASURES)


_MEASURE_LIST = ", ".join(MEASURES)


def _cube_insert(table: str, select: str) -> str:
    """``INSERT INTO <cube> <select> <add on conflict>``; ``select`` yields the month, the
    customer keys, the figure keys and the measures, in that order."""
    customer_keys, figure_keys = CUBES[table]
    keys = ("month", *customer_keys, *figure_keys)
    return (
        f"INSERT INTO {table} ({', '.join(keys)}, {_MEASURE_LIST}) {select} "
        f"{_add(table, keys, MEASURES)}"
    )


_HEAD_KEYS = ("owner_key", "department_key", "status", "grade")
_HEAD_ADD = _add("analytics_headcount", _HEAD_KEYS, ("live",))
_DIMS_COLUMNS = "customer_id, owner_key, department_key, grade, province, status, live"


@dataclass(frozen=True)
class Refreshed:
    deltas: int
    customers: int


@contextmanager
def _exclusive() -> Iterator[None]:
    """One rollup writer at a time, in a transaction whose statements share a snapshot."""
    postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
    try:
        with transaction.atomic():
            if postgres and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def _top(cursor: CursorWrapper, table: str) -> int | None:
    cursor.execute(f"SELECT MAX(id) FROM {table}")
    row = cursor.fetchone()
    return row[0] if row else None


def _rekey(cursor: CursorWrapper, top: int) -> int:
    """Move the dirty customers' figures and counts from their old keys to their new."""
    ids = f"SELECT DISTINCT customer_id FROM {DIRTY} WHERE id <= %s"
    moved = ", ".join(f"cs.{m}" for m in MEASURES)
    negated = ", ".join(f"-cs.{m}" for m in MEASURES)
    # The dirty customers' keys now, looked up by id (not the whole customer table).
    now_keys = _current_keys(f"WHERE c.id IN ({ids})")
    for table, (customer_keys, figure_keys) in CUBES.items():
        keys = ", ".join(("month", *customer_keys, *figure_keys))
        new = ", ".join(f"n.{k}" for k in customer_keys)
        old = ", ".join(f"m.{k}" for k in customer_keys)
        figures = "".join(f", cs.{k}" for k in figure_keys)
        cursor.execute(
            _cube_insert(
                table,
                f"SELECT {keys}, {', '.join(f'SUM({m})' for m in MEASURES)} FROM ("
                f"SELECT cs.month, {new}{figures}, {moved} FROM analytics_customersales cs "
                f"JOIN ({now_keys}) n ON n.customer_id = cs.customer_id UNION ALL "
                f"SELECT cs.month, {old}{figures}, {negated} FROM analytics_customersales cs "
                f"JOIN analytics_dims m ON m.customer_id = cs.customer_id "
                f"WHERE cs.customer_id IN ({ids})) AS t "
                f"WHERE 1 = 1 GROUP BY {keys} HAVING {_nonzero()}",
            ),
            [top, top],
        )
    cursor.execute(
        f"INSERT INTO analytics_headcount ({', '.join(_HEAD_KEYS)}, live) "
        f"SELECT {', '.join(_HEAD_KEYS)}, SUM(n) FROM ("
        f"SELECT owner_key, department_key, status, grade, 1 AS n FROM ({now_keys}) k "
        f"WHERE k.live UNION ALL "
        f"SELECT owner_key, department_key, status, grade, -1 FROM analytics_dims "
        f"WHERE live AND customer_id IN ({ids})) AS t WHERE 1 = 1 "
        f"GROUP BY {', '.join(_HEAD_KEYS)} HAVING SUM(n) <> 0 {_HEAD_ADD}",
        [top, top],
    )
    cursor.execute(f"DELETE FROM analytics_dims WHERE customer_id IN ({ids})", [top])
    cursor.execute(
        f"INSERT INTO analytics_dims ({_DIMS_COLUMNS}) SELECT {_DIMS_COLUMNS} FROM ({now_keys}) k",
        [top],
    )
    cursor.execute(f"DELETE FROM {DIRTY} WHERE id <= %s", [top])
    return cursor.rowcount


def _fold(cursor: CursorWrapper, top: int) -> int:
    """Add the deltas up to ``top`` to the customer months, years and the cube."""
    year = (
        "EXTRACT(YEAR FROM month)::int"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', month) AS INTEGER)"
    )
    cs_keys = ("customer_id", "month", "category")
    cursor.execute(
        f"INSERT INTO analytics_customersales ({', '.join(cs_keys)}, {_MEASURE_LIST}) "
        f"SELECT customer_id, month, category, {_sums()} FROM {DELTA} WHERE id <= %s "
        f"GROUP BY customer_id, month, category HAVING {_nonzero()} "
        f"{_add('analytics_customersales', cs_keys, MEASURES)}",
        [top],
    )
    cursor.execute(
        f"INSERT INTO analytics_customeryear (customer_id, year, amount) "
        f"SELECT customer_id, {year}, SUM(amount) FROM {DELTA} WHERE id <= %s "
        f"GROUP BY customer_id, {year} HAVING SUM(amount) <> 0 "
        f"{_add('analytics_customeryear', ('customer_id', 'year'), ('amount',))}",
        [top],
    )
    for table, (customer_keys, figure_keys) in CUBES.items():
        defaults = {"owner_key": "0", "department_key": "0"}
        keys = ", ".join(
            ["d.month"]
            + [f"COALESCE(m.{k}, {defaults.get(k, chr(39) * 2)})" for k in customer_keys]
            + [f"d.{k}" for k in figure_keys]
        )
        cursor.execute(
            _cube_insert(
                table,
                f"SELECT {keys}, {_sums('d.')} FROM {DELTA} d "
                f"LEFT JOIN analytics_dims m ON m.customer_id = d.customer_id "
                f"WHERE d.id <= %s GROUP BY {keys} "
                f"HAVING {' OR '.join(f'SUM(d.{m}) <> 0' for m in MEASURES)}",
            ),
            [top],
        )
    cursor.execute(f"DELETE FROM {DELTA} WHERE id <= %s", [top])
    return cursor.rowcount


def refresh(*, now: datetime) -> Refreshed:
    """The job: re-key what changed, then fold the new deltas in."""
    with _exclusive(), connection.cursor() as cursor:
        customers = deltas = 0
        top = _top(cursor, DIRTY)
        if top is not None:
            customers = _rekey(cursor, top)
        top = _top(cursor, DELTA)
        if top is not None:
            deltas = _fold(cursor, top)
        _stamp(now)
    return Refreshed(deltas=deltas, customers=customers)


def _stamp(now: datetime) -> None:
    if not RollupState.objects.filter(pk=1).update(refreshed_at=now):
        RollupState.objects.create(pk=1, refreshed_at=now)


ROLLUP_TABLES = (
    *CUBES,
    "analytics_customersales",
    "analytics_customeryear",
    "analytics_dims",
    "analytics_headcount",
)


def vacuum() -> None:
    """After a rebuild, on PostgreSQL: the rebuild deletes every row (readers go on reading
    the old ones meanwhile), so the tables hold as many dead rows as live ones until
    vacuumed. Outside a transaction only (VACUUM cannot run inside one)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in ROLLUP_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
