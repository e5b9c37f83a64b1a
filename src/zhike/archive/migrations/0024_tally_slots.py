"""Customer tallies in slots (issue 14): each (owner, department) pair may be kept in up
to ``tallies.SLOTS`` rows, one per writer's slot, so parallel claims from one pool no
longer queue on that pool's single row. The existing rows become slot 0; the triggers
are replaced by the slotted ones (on SQLite the table rebuild dropped them already)."""

from django.db import migrations, models

from zhike.archive import tallies


def drop(apps, schema_editor):
    """Before the table changes: SQLite's rebuild of the tallies' table fails while
    triggers on the customers' table name it."""
    tallies.drop_triggers(schema_editor.connection)


def slotted(apps, schema_editor):
    tallies.create_triggers(schema_editor.connection)


def unslotted(apps, schema_editor):
    tallies.drop_triggers(schema_editor.connection)
    tallies.recount(schema_editor.connection)  # one row per pair again, before the index


def first_version(apps, schema_editor):
    tallies.create_triggers(schema_editor.connection, slotted=False)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0023_search_keys_by_kind"),
    ]

    operations = [
        migrations.RunPython(drop, first_version),
        migrations.RemoveConstraint(model_name="customertally", name="tally_once"),
        migrations.AddField(
            model_name="customertally",
            name="slot",
            field=models.SmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="customertally",
            constraint=models.UniqueConstraint(
                fields=("owner_key", "department_key", "slot"), name="tally_slot_once"
            ),
        ),
        migrations.RunPython(slotted, unslotted),
    ]
