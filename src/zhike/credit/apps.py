from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "zhike.credit"
    verbose_name = _("信用管理")

    def ready(self) -> None:
        from zhike.trade.trading import register_document_guard, register_payment_terms
        from zhike.workflow.approvals import ApprovalHandler, register_approval_handler

        from . import analysis, checkpoint, reviews, services, terms  # noqa: F401  (analysis)

        # The check point and longer payment terms reach trade's documents through its hooks.
        register_document_guard(checkpoint.document_guard, checkpoint.applies)
        register_payment_terms(checkpoint.payment_days)

        # CRD-3: the regional manager's signature is a one-time exception for the
        # shipment it was asked for: approved, it ships; rejected, it is cancelled.
        register_approval_handler(
            services.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=services.on_over_limit_approved,
                on_rejected=services.on_over_limit_refused,
                on_returned=services.on_over_limit_refused,
                subject_link=lambda r: f"/credit/shipments/{r.object_id}/over-limit/",
            ),
        )
        # CRD-5: the 升(降)级评审表 approved applies the ratings; rejected closes the
        # review; returned lets the reviewer adjust and submit again.
        register_approval_handler(
            reviews.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=reviews.on_review_approved,
                on_rejected=reviews.on_review_rejected,
                on_returned=reviews.on_review_returned,
                subject_link=lambda r: f"/credit/reviews/{r.object_id}/",
            ),
        )
        # Special terms: approved, they are in force until their day; otherwise closed.
        register_approval_handler(
            terms.APPROVAL_KIND,
            ApprovalHandler(
                on_approved=terms.on_terms_approved,
                on_rejected=terms.on_terms_refused,
                on_returned=terms.on_terms_refused,
                subject_link=lambda r: f"/credit/customers/{r.customer_id}/ship/",
            ),
        )
