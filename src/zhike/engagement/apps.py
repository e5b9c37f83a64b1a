from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "zhike.engagement"
    verbose_name = _("客户开发与维护")

    def ready(self) -> None:
        from zhike.archive.merging import register_merge_hook

        from .services import move_follow_ups

        register_merge_hook(move_follow_ups)
