from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "zhike.grading"
    verbose_name = _("客户分级")

    def ready(self) -> None:
        from zhike.archive.merging import register_merge_hook
        from zhike.policy.loader import active_policy
        from zhike.trade.trading import register_trade_guard
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler
        from zhike.workflow.selectors import register_inbox_priority

        from . import blacklist, promotions, reviews, selectors, services
        from .admission import admission_guard

        register_approval_handler(
            reviews.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=reviews.on_review_approved,
                on_rejected=reviews.on_review_rejected,
                on_returned=reviews.on_review_returned,
            ),
        )
        # The approval engine calls back with the request only: the policy in force decides.
        register_approval_handler(
            blacklist.ENTRY_KIND,
            ApprovalHandler(
                on_approved=lambda r: blacklist.on_entry_approved(r, policy=active_policy()),
                on_rejected=blacklist.on_entry_rejected,
            ),
        )
        register_approval_handler(
            blacklist.REENTRY_KIND,
            ApprovalHandler(
                on_approved=lambda r: blacklist.on_reentry_approved(r, policy=active_policy()),
                on_rejected=blacklist.on_reentry_rejected,
            ),
        )
        register_approval_handler(
            promotions.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=promotions.on_promotion_decided,
                on_rejected=promotions.on_promotion_decided,
            ),
        )
        register_trade_guard(admission_guard)
        register_merge_hook(services.move_grading)
        # The inbox puts the items of more important customers first (GRD-10).
        register_inbox_priority(selectors.customer_priority)
