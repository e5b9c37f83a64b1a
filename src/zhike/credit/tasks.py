"""Periodic jobs of credit."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .collection import open_collection
from .reviews import credit_review_compute, open_scheduled_review
from .risk import sweep_refusals


@shared_task(name="credit.sweep_refusals")
def sweep_refusals_task() -> int:
    """CRD-7: likely refusals inferred from the ledger, each reported once."""
    return sweep_refusals(policy=active_policy(), today=timezone.localdate(), now=timezone.now())


@shared_task(name="credit.open_collection")
def open_collection_task() -> int:
    """CRD-4: collection deadlines for invoices coming due and overdue (idempotent)."""
    return open_collection(policy=active_policy(), today=timezone.localdate())


@shared_task(name="credit.open_review")
def open_review_task() -> int:
    """CRD-5: the semi-annual credit review, opened on its period's first day, once."""
    review = open_scheduled_review(
        policy=active_policy(), today=timezone.localdate(), now=timezone.now()
    )
    return review.pk if review else 0


@shared_task(name="credit.compute_review")
def compute_review_task(review_id: int) -> bool:
    """CRD-5: a credit review's figures and proposed ratings (queued by its start)."""
    return credit_review_compute(review_id=review_id, policy=active_policy(), now=timezone.now())
