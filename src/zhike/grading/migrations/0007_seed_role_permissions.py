"""Give the existing seed roles the ledger and grading permissions they ship with.

``ensure_roles`` sets a role's permissions only when it creates the role (an admin's later
changes are kept), so a site installed before these permissions existed would not get
them. They are new, so no admin can have removed them: adding them changes nothing else.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NEW = {
    "trade.add_order": ["salesperson", "supervisor", "sales_manager", "office_director"],
    "trade.add_invoice": ["finance"],
    "trade.add_payment": ["finance"],
    "grading.run_review": ["sales_manager", "vice_president", "general_manager", "crm_manager"],
}


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for label in ("trade", "grading"):
        # Historical app configs have no models module; create_permissions needs one set.
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Role = apps.get_model("org", "Role")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in NEW.items():
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None:
            continue
        for role in Role.objects.filter(code__in=codes):
            role.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0006_drop_reviewline_customer"),
        ("trade", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
