"""Maintained customer counts (ARC list totals): how many live customers each (owner,
department) pair holds, kept by database triggers in the same transaction as every write
— a form, an import's COPY, a merge, a transfer, raw SQL alike. A scope's exact total is
then a sum over a few hundred pairs instead of a COUNT over up to a million rows (a
manager's exact count cost p99 289 ms at 1M; see bench/README.md).

``owner_key``/``department_key`` are the ids, 0 for none (the public pool, no department):
a unique index needs values, not NULLs. On PostgreSQL the triggers are per statement over
transition tables (an import of 100,000 rows is one grouped upsert) and write only when a
key changed; on SQLite they are per row.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "archive_customertally"
_KEYS = "(owner_key, department_key)"
_UPSERT = f"ON CONFLICT {_KEYS} DO UPDATE SET live = {TABLE}.live + excluded.live"


def _pg_delta(rows: str, sign: str) -> str:
    return (
        f"SELECT COALESCE(owner_id, 0) AS o, COALESCE(department_id, 0) AS d, {sign}1 AS n "
        f"FROM {rows} WHERE merged_into_id IS NULL"
    )


def _pg_apply(*parts: str) -> str:
    union = " UNION ALL ".join(parts)
    return (
        f"INSERT INTO {TABLE} (owner_key, department_key, live) "
        f"SELECT o, d, SUM(n) FROM ({union}) AS t GROUP BY o, d HAVING SUM(n) <> 0 {_UPSERT};"
    )


CREATE = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION archive_customer_tally_insert() RETURNS trigger AS $$
            BEGIN {_pg_apply(_pg_delta("new_rows", "+"))} RETURN NULL; END;
            $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION archive_customer_tally_update() RETURNS trigger AS $$
            BEGIN {_pg_apply(_pg_delta("old_rows", "-"), _pg_delta("new_rows", "+"))}
            RETURN NULL; END; $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION archive_customer_tally_delete() RETURNS trigger AS $$
            BEGIN {_pg_apply(_pg_delta("old_rows", "-"))} RETURN NULL; END;
            $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS archive_customer_tally_insert ON archive_customer",
        "DROP TRIGGER IF EXISTS archive_customer_tally_update ON archive_customer",
        "DROP TRIGGER IF EXISTS archive_customer_tally_delete ON archive_customer",
        """CREATE TRIGGER archive_customer_tally_insert AFTER INSERT ON archive_customer
           REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
           EXECUTE FUNCTION archive_customer_tally_insert()""",
        """CREATE TRIGGER archive_customer_tally_update AFTER UPDATE ON archive_customer
           REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
           EXECUTE FUNCTION archive_customer_tally_update()""",
        """CREATE TRIGGER archive_customer_tally_delete AFTER DELETE ON archive_customer
           REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
           EXECUTE FUNCTION archive_customer_tally_delete()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS archive_customer_tally_insert
            AFTER INSERT ON archive_customer WHEN NEW.merged_into_id IS NULL BEGIN
            INSERT INTO {TABLE} (owner_key, department_key, live)
            VALUES (COALESCE(NEW.owner_id, 0), COALESCE(NEW.department_id, 0), 1) {_UPSERT};
            END""",
        f"""CREATE TRIGGER IF NOT EXISTS archive_customer_tally_delete
            AFTER DELETE ON archive_customer WHEN OLD.merged_into_id IS NULL BEGIN
            INSERT INTO {TABLE} (owner_key, department_key, live)
            VALUES (COALESCE(OLD.owner_id, 0), COALESCE(OLD.department_id, 0), -1) {_UPSERT};
            END""",
        f"""CREATE TRIGGER IF NOT EXISTS archive_customer_tally_update
            AFTER UPDATE OF owner_id, department_id, merged_into_id ON archive_customer
            WHEN (OLD.merged_into_id IS NULL) != (NEW.merged_into_id IS NULL)
              OR COALESCE(OLD.owner_id, 0) != COALESCE(NEW.owner_id, 0)
              OR COALESCE(OLD.department_id, 0) != COALESCE(NEW.department_id, 0) BEGIN
            INSERT INTO {TABLE} (owner_key, department_key, live)
            SELECT COALESCE(OLD.owner_id, 0), COALESCE(OLD.department_id, 0), -1
            WHERE OLD.merged_into_id IS NULL {_UPSERT};
            INSERT INTO {TABLE} (owner_key, department_key, live)
            SELECT COALESCE(NEW.owner_id, 0), COALESCE(NEW.department_id, 0), 1
            WHERE NEW.merged_into_id IS NULL {_UPSERT};
            END""",
    ],
}
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
# The counts from scratch: the migration's first fill, and the test that checks them.
RECOUNT = f"""INSERT INTO {TABLE} (owner_key, department_key, live)
    SELECT COALESCE(owner_id, 0), COALESCE(department_id, 0), COUNT(*) FROM archive_customer
    WHERE merged_into_id IS NULL GROUP BY COALESCE(owner_id, 0), COALESCE(department_id, 0)"""


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_triggers(connection: BaseDatabaseWrapper) -> None:
    _run(connection, CREATE.get(connection.vendor, []))


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    _run(connection, DROP.get(connection.vendor, []))


def recount(connection: BaseDatabaseWrapper) -> None:
    _run(connection, [f"DELETE FROM {TABLE}", RECOUNT])
