from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "zhike.engagement"
    verbose_name = _("客户开发与维护")

    def ready(self) -> None:
        from zhike.archive.merging import register_merge_hook
        from zhike.policy.loader import active_policy
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import plans, report_review
        from .services import move_follow_ups

        register_merge_hook(move_follow_ups)
        # The approval engine calls back with the request only: the policy in force decides.
        register_approval_handler(
            plans.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=lambda r: plans.on_plan_approved(r, policy=active_policy()),
                on_rejected=plans.on_plan_rejected,
                on_returned=plans.on_plan_returned,
            ),
        )
        # ENG-4 呈主管审核: reviewed, or returned (rejected alike) for the reporter to complete.
        register_approval_handler(
            report_review.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=report_review.on_reviewed,
                on_rejected=report_review.on_returned,
                on_returned=report_review.on_returned,
                subject_link=report_review.report_link,
            ),
        )
