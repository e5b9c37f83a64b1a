"""The bigram index keeps only pairs of two non-ASCII characters (科技, 纪元).

Every pair of the whole key (pinyin, codes and phones included: ~90 keys a customer) made
the index cost 162 µs per inserted customer, most of an import on PostgreSQL; Chinese
pairs alone are ~10 keys, 33 µs. Two-letter and two-digit queries are answered by the
trigram index instead, as the start of a field (``selectors.search_filter``).

PL/pgSQL rather than SQL: a SQL function in an index expression is not inlined, and
running it through the SQL-function executor for every row cost more than the loop."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION zhike_bigrams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
  -- ASCII runs (pinyin, digits, the | between fields) become one |, which no pair keeps.
  chinese text := regexp_replace(value, '[\x01-\x7f]+', '|', 'g');
  pairs text[] := '{}';
  pair text;
BEGIN
  FOR i IN 1 .. length(chinese) - 1 LOOP
    pair := substr(chinese, i, 2);
    IF strpos(pair, '|') = 0 THEN
      pairs := pairs || pair;
    END IF;
  END LOOP;
  RETURN pairs;
END
$$
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION zhike_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT ARRAY(SELECT substr(value, i, 2)
               FROM generate_series(1, greatest(length(value) - 1, 0)) AS i)
$$
"""


def _replace(schema_editor, function: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(function)
    # The index holds the old function's keys: build it again.
    schema_editor.execute("REINDEX INDEX customer_search_bigrams")


def forward(apps, schema_editor):
    _replace(schema_editor, FUNCTION)


def backward(apps, schema_editor):
    _replace(schema_editor, PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("archive", "0015_cheaper_bigrams")]
    operations = [migrations.RunPython(forward, backward)]
