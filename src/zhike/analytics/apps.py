from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "zhike.analytics"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        from . import reports  # noqa: F401  (registers the built-in reports)
