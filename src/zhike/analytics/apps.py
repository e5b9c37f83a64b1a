from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "zhike.analytics"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        from . import reports  # noqa: F401  (registers the built-in reports)

        post_migrate.connect(_keep_rollup_triggers, sender=self)


def _keep_rollup_triggers(using: str = "default", **kwargs: Any) -> None:
    """SQLite rebuilds a table to alter it and drops the table's triggers with it (archive
    0025 rebuilds archive_customer, whose triggers mark customers dirty and record status
    changes): after every migrate they are put back (idempotent on both databases). A
    migrate back past analytics 0001 leaves no tables to feed and installs nothing."""
    from django.db import connections

    from .rollup_triggers import DIRTY, create_triggers

    connection = connections[using]
    if DIRTY in connection.introspection.table_names():
        create_triggers(connection)
