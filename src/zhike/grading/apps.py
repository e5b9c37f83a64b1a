from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "zhike.grading"
    verbose_name = _("客户分级")

    def ready(self) -> None:
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import reviews

        register_approval_handler(
            reviews.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=reviews.on_review_approved,
                on_rejected=reviews.on_review_rejected,
                on_returned=reviews.on_review_returned,
            ),
        )
