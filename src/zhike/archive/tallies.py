"""Maintained customer counts (ARC list totals): how many live customers each (owner,
department) pair holds, kept by database triggers in the same transaction as every write
— a form, an import's COPY, a merge, a transfer, raw SQL alike. A scope's exact total is
then a sum over a few hundred pairs instead of a COUNT over up to a million rows (a
manager's exact count cost p99 289 ms at 1M; see bench/README.md).

``owner_key``/``department_key`` are the ids, 0 for none (the public pool, no department):
a unique index needs values, not NULLs. On PostgreSQL the triggers are per statement over
transition tables (an import of 100,000 rows is one grouped upsert) and write only when a
key changed; on SQLite they are per row.

Each pair is kept in up to ``SLOTS`` rows on PostgreSQL, the writer's backend picking
its slot: every claim from a pool counts that pool's pair down, and with one row per
pair eight parallel claimants queued on its row lock until each other's commit
(issue 14: raw claims p50 111 ms, waiting on ``Lock:transactionid``). Readers sum the
slots, as they already sum the pairs. SQLite has one writer at a time: slot 0.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "archive_customertally"
SLOTS = 16  # enough that the web and job processes of one machine rarely share a slot


def _sql(slotted: bool) -> tuple[str, str]:
    """The key columns and the upsert; ``slotted=False`` is the first version's (one row
    per pair), which migration 0019 installs before the slot column exists."""
    keys = "owner_key, department_key, slot" if slotted else "owner_key, department_key"
    return keys, f"ON CONFLICT ({keys}) DO UPDATE SET live = {TABLE}.live + excluded.live"


def _pg_delta(rows: str, sign: str, slotted: bool) -> str:
    slot = f", pg_backend_pid() % {SLOTS} AS s" if slotted else ""
    return (
        f"SELECT COALESCE(owner_id, 0) AS o, COALESCE(department_id, 0) AS d{slot}, "
        f"{sign}1 AS n FROM {rows} WHERE merged_into_id IS NULL"
    )


def _pg_apply(slotted: bool, *ops: tuple[str, str]) -> str:
    keys, upsert = _sql(slotted)
    union = " UNION ALL ".join(_pg_delta(rows, sign, slotted) for rows, sign in ops)
    group = "o, d, s" if slotted else "o, d"
    return (
        f"INSERT INTO {TABLE} ({keys}, live) "
        f"SELECT {group}, SUM(n) FROM ({union}) AS t GROUP BY {group} "
        f"HAVING SUM(n) <> 0 {upsert};"
    )


def _sqlite_row(row: str, sign: str, slotted: bool) -> str:
    keys, upsert = _sql(slotted)
    slot = ", 0" if slotted else ""
    return (
        f"INSERT INTO {TABLE} ({keys}, live) SELECT COALESCE({row}.owner_id, 0), "
        f"COALESCE({row}.department_id, 0){slot}, {sign}1 "
        f"WHERE {row}.merged_into_id IS NULL {upsert};"
    )


def _create(vendor: str, slotted: bool) -> list[str]:
    if vendor == "postgresql":
        bodies = {
            "insert": _pg_apply(slotted, ("new_rows", "+")),
            "update": _pg_apply(slotted, ("old_rows", "-"), ("new_rows", "+")),
            "delete": _pg_apply(slotted, ("old_rows", "-")),
        }
        transitions = {
            "insert": "NEW TABLE AS new_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
        }
        statements = []
        for op, body in bodies.items():
            name = f"archive_customer_tally_{op}"
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} "
                "RETURN NULL; END; $$ LANGUAGE plpgsql",
                f"DROP TRIGGER IF EXISTS {name} ON archive_customer",
                f"CREATE TRIGGER {name} AFTER {op.upper()} ON archive_customer REFERENCING "
                f"{transitions[op]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
        return statements
    if vendor == "sqlite":
        return [
            "CREATE TRIGGER IF NOT EXISTS archive_customer_tally_insert AFTER INSERT ON "
            f"archive_customer BEGIN {_sqlite_row('NEW', '+', slotted)} END",
            "CREATE TRIGGER IF NOT EXISTS archive_customer_tally_delete AFTER DELETE ON "
            f"archive_customer BEGIN {_sqlite_row('OLD', '-', slotted)} END",
            """CREATE TRIGGER IF NOT EXISTS archive_customer_tally_update
            AFTER UPDATE OF owner_id, department_id, merged_into_id ON archive_customer
            WHEN (OLD.merged_into_id IS NULL) != (NEW.merged_into_id IS NULL)
              OR COALESCE(OLD.owner_id, 0) != COALESCE(NEW.owner_id, 0)
              OR COALESCE(OLD.department_id, 0) != COALESCE(NEW.department_id, 0) BEGIN """
            f"{_sqlite_row('OLD', '-', slotted)} {_sqlite_row('NEW', '+', slotted)} END",
        ]
    return []


DROP = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS archive_customer_tally_{op} ON archive_customer"
        for op in ("insert", "update", "delete")
    ]
    + [
        f"DROP FUNCTION IF EXISTS archive_customer_tally_{op}()"
        for op in ("insert", "update", "delete")
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS archive_customer_tally_{op}"
        for op in ("insert", "update", "delete")
    ],
}
# The counts from scratch, in slot 0 (the column's default): the migration's first fill,
# and the test that checks them.
RECOUNT = f"""INSERT INTO {TABLE} (owner_key, department_key, live)
    SELECT COALESCE(owner_id, 0), COALESCE(department_id, 0), COUNT(*) FROM archive_customer
    WHERE merged_into_id IS NULL GROUP BY COALESCE(owner_id, 0), COALESCE(department_id, 0)"""


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_triggers(connection: BaseDatabaseWrapper, *, slotted: bool = True) -> None:
    _run(connection, _create(connection.vendor, slotted))


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    _run(connection, DROP.get(connection.vendor, []))


def recount(connection: BaseDatabaseWrapper) -> None:
    _run(connection, [f"DELETE FROM {TABLE}", RECOUNT])
