from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "zhike.archive"
    verbose_name = _("客户档案")

    def ready(self) -> None:
        post_migrate.connect(_keep_tally_triggers, sender=self)


def _keep_tally_triggers(using: str = "default", **kwargs: Any) -> None:
    """SQLite rebuilds a table to alter it, and the rebuild drops the table's triggers:
    after every migrate the customer tallies' triggers are put back (idempotent). The
    rebuild copies rows while no trigger exists, so the counts stay right."""
    from django.db import connections

    from .tallies import create_triggers

    create_triggers(connections[using])
