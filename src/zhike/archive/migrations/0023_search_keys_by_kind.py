"""Search keys by kind (issue 18). The key becomes two sections: the typed one (pinyin,
initials, phone digits, merged codes), which PostgreSQL indexes with trigrams, and the
names, which the index of Chinese pairs serves. The customer's own code and USCC leave the
key; they are searched by their start on their own b-tree indexes (the USCC's unique index
now with pattern operators). The trigram index on the whole key was the dearest part of
every insert: each code and USCC added ~35 trigrams that every other one shares.

Existing keys are rewritten from the old ones (no pinyin is worked out again): fields with
a Chinese character go to the names section, the code and the USCC are dropped, the rest
keep their order in the typed section. At a million customers this takes a few minutes on
PostgreSQL; the trigram index is dropped first so that the rewrite does not maintain it.
"""

from django.db import migrations, models

SECTION = "\x1f"

RELAYOUT = r"""
CREATE FUNCTION pg_temp.zhike_relayout(key text, code text, uscc text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  field text;
  typed text := '|';
  names text := '|';
BEGIN
  FOREACH field IN ARRAY string_to_array(key, '|') LOOP
    CONTINUE WHEN field = '' OR field = code OR field = uscc;
    IF field ~ '^[\x01-\x7f]*$' THEN
      typed := typed || field || '|';
    ELSE
      names := names || field || '|';
    END IF;
  END LOOP;
  RETURN typed || E'\x1f' || names;
END
$$
"""


def relayout(key: str, code: str, uscc: str) -> str:
    """The same as the SQL function, for SQLite."""
    typed, names = [], []
    for field in key.split("|"):
        if not field or field in (code, uscc):
            continue
        (typed if field.isascii() else names).append(field)
    return "|" + "".join(f + "|" for f in typed) + SECTION + "|" + "".join(f + "|" for f in names)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")
        schema_editor.execute(RELAYOUT)
        schema_editor.execute(
            "UPDATE archive_customer SET search_text = "
            "pg_temp.zhike_relayout(search_text, lower(code), lower(uscc)) "
            "WHERE search_text <> ''"
        )
        schema_editor.execute("DROP FUNCTION pg_temp.zhike_relayout(text, text, text)")
        schema_editor.execute(
            "CREATE INDEX customer_search_typed ON archive_customer "
            "USING gin (split_part(search_text, E'\\x1f', 1) gin_trgm_ops)"
        )
        return
    Customer = apps.get_model("archive", "Customer")
    batch = []
    rows = Customer.objects.exclude(search_text="").only("search_text", "code", "uscc")
    for customer in rows.iterator(chunk_size=2000):
        key = relayout(customer.search_text, customer.code.lower(), customer.uscc.lower())
        customer.search_text = key
        batch.append(customer)
        if len(batch) == 2000:
            Customer.objects.bulk_update(batch, ["search_text"])
            batch = []
    Customer.objects.bulk_update(batch, ["search_text"])


def backward(apps, schema_editor):
    # The keys stay in the new layout: an older zhike then no longer finds a customer by its
    # code or USCC through the box, but finds everything else.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_typed")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm ON archive_customer "
            "USING gin (search_text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0022_ownership_history")]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveConstraint(model_name="customer", name="customer_uscc_unique"),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("uscc", ""), _negated=True),
                fields=("uscc",),
                name="customer_uscc_unique",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
