"""Database triggers that refuse UPDATE and DELETE on audit events, so that not even raw
SQL through the application's connection can rewrite history.

PostgreSQL's TRUNCATE bypasses row triggers (tests flush tables with it); production
revokes TRUNCATE from the application role (docs/operations.md). SQLite has no TRUNCATE:
test teardown drops and re-creates the triggers around its flush (tests/base.py).
"""

from django.db.backends.base.base import BaseDatabaseWrapper

CREATE = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
           FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    ],
}
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
}


def _run(connection: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def create_triggers(connection: BaseDatabaseWrapper) -> None:
    _run(connection, CREATE)


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    _run(connection, DROP)
