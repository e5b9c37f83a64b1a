from django.db import migrations

from zhike.audit.triggers import create_triggers, drop_triggers


def forward(apps, schema_editor):
    create_triggers(schema_editor.connection)


def backward(apps, schema_editor):
    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
