from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradeConfig(AppConfig):
    name = "zhike.trade"
    verbose_name = _("交易台账")
