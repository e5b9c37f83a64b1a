"""A trigram index for the search key on PostgreSQL, so ``search_text LIKE '%q%'`` is an
index scan at a million customers. SQLite scans the one narrow column instead."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_trgm ON archive_customer "
        "USING gin (search_text gin_trgm_ops)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_archive_profile")]
    operations = [migrations.RunPython(forward, backward)]
