"""The seed roles' right to run the credit review (CRD-5) — the same as ``zhike.org.roles``
gives a new site: the sales manager (s004: 业务部 organises it) and the leadership."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.org.grants import grant_new_permissions

NEW = {
    "credit.run_credit_review": ["sales_manager", "vice_president", "general_manager"],
}


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    grant_new_permissions(apps, "credit", NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0005_credit_review"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
