"""Giving the seed roles a new app's permissions, from a data migration.

``ensure_roles`` sets a role's permissions only when it creates the role, so a site
installed before an app existed gets its rights from that app's migration (they are new:
no admin can have removed them). Uses only the migration's historical ``apps``.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions


def grant_new_permissions(apps: Apps, app_label: str, new: dict[str, list[str]]) -> None:
    """Create ``app_label``'s permissions now, then add each to the roles named."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # type: ignore[assignment]
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Role = apps.get_model("org", "Role")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in new.items():
        label, codename = name.split(".")
        permission = Permission.objects.get(content_type__app_label=label, codename=codename)
        for role in Role.objects.filter(code__in=codes):
            role.permissions.add(permission)
