from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RevisionsConfig(AppConfig):
    name = "zhike.policy.revisions"
    label = "policy_revisions"
    verbose_name = _("管理制度修订")

    def ready(self) -> None:
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import services

        register_approval_handler(
            services.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=services.on_version_approved,
                on_rejected=services.on_version_rejected,
            ),
        )
