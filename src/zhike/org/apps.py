from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "zhike.org"
    verbose_name = _("组织与权限")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_install_roles)


def _install_roles(**kwargs: object) -> None:
    """Reference data, not a business rule: every installation has the seed roles.

    Runs after the last app's post_migrate, when every app's permissions exist.
    """
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if kwargs.get("app_config") is not with_models[-1]:
        return
    from .services import ensure_roles

    ensure_roles()
