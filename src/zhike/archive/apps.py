from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "zhike.archive"
    verbose_name = _("客户档案")
