"""Two-character fragments (科技, 纪元 — the most common Chinese query) are too short for
trigrams, so PostgreSQL would scan every row. A GIN index over the key's character
bigrams answers them; ``selectors.search_filter`` uses it for two-character queries."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION zhike_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}')
  FROM generate_series(1, greatest(length(value) - 1, 0)) AS i
$$
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_bigrams ON archive_customer "
        "USING gin (zhike_bigrams(search_text))"
    )
    # Statistics for the new expression, or the planner guesses and may scan instead.
    schema_editor.execute("ANALYZE archive_customer")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_bigrams")
        schema_editor.execute("DROP FUNCTION IF EXISTS zhike_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_export")]
    operations = [migrations.RunPython(forward, backward)]
