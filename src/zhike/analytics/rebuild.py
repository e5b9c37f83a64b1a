"""``zhike analytics rebuild``: every rollup computed from the ledger again (and the
migration's first fill, and the tests' reference for the job).

On PostgreSQL the rebuild first locks the delta and dirty tables against writers (the
ledger's writes wait for it, so no change falls between the snapshot and the emptied
tables), empties the rollups with TRUNCATE, and builds the large tables' indexes after
their rows are in: maintaining a unique index row by row cost nine minutes at ten million
customer months (bench/analytics.py), building it afterwards a fraction of that. Dashboards
wait for the rebuild too: it is an administrator's command, not a job.
"""

from datetime import datetime

from django.db import connection
from django.db.backends.utils import CursorWrapper

from .rollup import (
    _DIMS_COLUMNS,
    _HEAD_KEYS,
    _MEASURE_LIST,
    CUBES,
    ROLLUP_TABLES,
    _cube_insert,
    _current_keys,
    _exclusive,
    _stamp,
    _sums,
)
from .rollup_triggers import DELTA, DIRTY, SOURCES, _row_values

# The tables filled by millions of rows, whose indexes are dropped and built after.
LARGE = ("analytics_customersales", "analytics_customeryear", "analytics_dims")


def _drop_indexes(cursor: CursorWrapper, table: str) -> list[str]:
    """Drop ``table``'s indexes and unique constraints but the primary key; return the
    statements that make them again."""
    cursor.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = %s AND c.contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint c JOIN pg_class t "
        "ON t.oid = c.conrelid WHERE t.relname = %s AND c.contype IN ('p', 'u'))",
        [table, table],
    )
    indexes = cursor.fetchall()
    again = []
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
        again.append(definition)
    return again


def rebuild(*, now: datetime) -> None:
    """Everything from the ledger again (``zhike analytics rebuild``; the migration's first
    fill; the tests' reference)."""
    postgres = connection.vendor == "postgresql"
    tables = (*ROLLUP_TABLES, DELTA, DIRTY)
    rebuild_indexes: list[str] = []
    with _exclusive(), connection.cursor() as cursor:
        if postgres:
            # Before the first query (which takes the snapshot): writers wait from here.
            cursor.execute(f"LOCK TABLE {DELTA}, {DIRTY} IN EXCLUSIVE MODE")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            for table in LARGE:
                rebuild_indexes += _drop_indexes(cursor, table)
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO analytics_dims ({_DIMS_COLUMNS}) SELECT {_DIMS_COLUMNS} "
            f"FROM ({_current_keys()}) k"
        )
        cursor.execute(
            f"INSERT INTO analytics_headcount ({', '.join(_HEAD_KEYS)}, live) "
            f"SELECT {', '.join(_HEAD_KEYS)}, COUNT(*) FROM analytics_dims WHERE live "
            f"GROUP BY {', '.join(_HEAD_KEYS)}"
        )
        union = " UNION ALL ".join(
            f"SELECT {_row_values(source, 'r', '+', pg=postgres, named=True)} FROM {source.table} r"
            for source in SOURCES
        )
        cursor.execute(
            f"INSERT INTO analytics_customersales (customer_id, month, category, {_MEASURE_LIST}) "
            f"SELECT customer_id, month, category, {_sums()} FROM ({union}) AS t "
            f"GROUP BY customer_id, month, category"
        )
        year = (
            "EXTRACT(YEAR FROM month)::int"
            if postgres
            else "CAST(strftime('%Y', month) AS INTEGER)"
        )
        cursor.execute(
            f"INSERT INTO analytics_customeryear (customer_id, year, amount) "
            f"SELECT customer_id, {year}, SUM(amount) FROM analytics_customersales "
            f"GROUP BY customer_id, {year} HAVING SUM(amount) <> 0"
        )
        for table, (customer_keys, figure_keys) in CUBES.items():
            keys = ", ".join(
                ["cs.month"] + [f"m.{k}" for k in customer_keys] + [f"cs.{k}" for k in figure_keys]
            )
            cursor.execute(
                _cube_insert(
                    table,
                    f"SELECT {keys}, {_sums('cs.')} FROM analytics_customersales cs "
                    f"JOIN analytics_dims m ON m.customer_id = cs.customer_id "
                    f"WHERE 1 = 1 GROUP BY {keys}",
                )
            )
        for statement in rebuild_indexes:
            cursor.execute(statement)
        _stamp(now)
