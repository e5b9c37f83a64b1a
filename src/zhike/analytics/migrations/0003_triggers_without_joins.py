"""The customer and standing triggers find changed rows without joining the transition
tables (rollup_triggers._changed): the join's plan, made once per session for a one-row
UPDATE, turned a later bulk UPDATE in the same session quadratic. PostgreSQL only (its
functions are replaced); SQLite's triggers are per row and unchanged."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.analytics import rollup_triggers


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        rollup_triggers.create_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_rights")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
