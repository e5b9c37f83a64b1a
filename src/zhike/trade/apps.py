from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradeConfig(AppConfig):
    name = "zhike.trade"
    verbose_name = _("交易台账")

    def ready(self) -> None:
        from zhike.archive.merging import register_merge_hook

        from .services import move_ledger

        register_merge_hook(move_ledger)
