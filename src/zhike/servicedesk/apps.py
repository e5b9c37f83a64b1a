from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    name = "zhike.servicedesk"
    verbose_name = _("客户投诉")

    def ready(self) -> None:
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import analysis, services  # noqa: F401  (analysis registers its report)

        # The solution's approval (SRV-4): approved → the customer may be told; rejected
        # or returned → the handler proposes again. The kind's name is the policy's.
        register_approval_handler(
            services.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=services.on_solution_approved,
                on_rejected=services.on_solution_refused,
                on_returned=services.on_solution_refused,
            ),
        )
