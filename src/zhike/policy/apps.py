from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "zhike.policy"
    verbose_name = _("管理制度")

    def ready(self) -> None:
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import versions

        register_approval_handler(
            versions.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=versions.on_version_approved,
                on_rejected=versions.on_version_rejected,
            ),
        )
