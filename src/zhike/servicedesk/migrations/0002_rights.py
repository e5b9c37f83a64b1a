"""The seed roles' complaint rights (SRV-1, SRV-4): who sees, registers, accepts and
assigns, and handles complaints — the same as ``zhike.org.roles`` gives a new site."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.org.grants import grant_new_permissions

WORKERS = ["service_agent", "crm_manager", "supervisor", "sales_manager", "office_director"]
NEW = {
    "servicedesk.view_complaint": [*WORKERS, "vice_president", "general_manager"],
    "servicedesk.add_complaint": [*WORKERS, "salesperson"],
    "servicedesk.manage_complaint": ["crm_manager", "vice_president", "general_manager"],
    "servicedesk.handle_complaint": [*WORKERS, "technical"],
}


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    grant_new_permissions(apps, "servicedesk", NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
