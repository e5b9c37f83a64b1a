"""The seed roles' right to make out shipments (CRD-3), as ``zhike.org.roles`` gives a new
site: the salespeople and their managers, and finance."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.org.grants import grant_new_permissions

NEW = {
    "credit.add_shipment": [
        "salesperson",
        "supervisor",
        "sales_manager",
        "office_director",
        "finance",
    ]
}


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    grant_new_permissions(apps, "credit", NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
