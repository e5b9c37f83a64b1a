from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "zhike.workflow"
    verbose_name = _("流程与提醒")
