"""The company's default pool, and the seed roles' ownership rights.

``ensure_roles`` sets a role's permissions only when it creates the role, so a site
installed before these permissions existed gets them here (they are new: no admin can
have removed them). The pool's code is the policy's ``ownership.default_pool`` default.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from zhike.org.grants import grant_new_permissions

NEW = {
    "ownership.claim_customer": [
        "salesperson",
        "supervisor",
        "sales_manager",
        "office_director",
    ],
    "ownership.lock_customer": ["salesperson", "supervisor", "sales_manager", "office_director"],
    "ownership.assign_customer": [
        "supervisor",
        "sales_manager",
        "vice_president",
        "general_manager",
        "crm_manager",
        "office_director",
    ],
}


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("ownership", "Pool").objects.get_or_create(
        code="public", defaults={"name": "公海"}
    )
    grant_new_permissions(apps, "ownership", NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
