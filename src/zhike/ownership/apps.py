from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnershipConfig(AppConfig):
    name = "zhike.ownership"
    verbose_name = _("客户归属")
