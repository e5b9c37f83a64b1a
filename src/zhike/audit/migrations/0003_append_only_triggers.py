"""Database triggers that refuse UPDATE and DELETE on audit events, so that not even raw
SQL through the application's connection can rewrite history."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    # TRUNCATE bypasses row triggers; tests flush tables, so TRUNCATE stays allowed to the
    # owner and is revoked from the application role in production (docs/operations.md).
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def statements(forward: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            sql = SQLITE if forward else SQLITE_REVERSE
        elif vendor == "postgresql":
            sql = POSTGRESQL if forward else POSTGRESQL_REVERSE
        else:
            return
        for statement in sql:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(statements(True), statements(False))]
