"""The seed roles' right to set sales targets — the same as ``zhike.org.roles`` gives a
new site: the salespeople's leaders and the office directors."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.org.grants import grant_new_permissions

NEW = {
    "analytics.change_salestarget": [
        "supervisor",
        "office_director",
        "sales_manager",
        "vice_president",
        "general_manager",
    ],
}


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    grant_new_permissions(apps, "analytics", NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
