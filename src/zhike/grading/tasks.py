"""Jobs of the grading module."""

from celery import shared_task
from django.utils import timezone

from .reviews import review_compute


@shared_task(name="grading.compute_review")
def compute_review_task(review_id: int) -> bool:
    """Compute a review's proposals (GRD-6); claimed, so a redelivered job does nothing."""
    return review_compute(review_id=review_id, now=timezone.now())


@shared_task(name="grading.sweep_blacklist_expiry")
def sweep_blacklist_expiry_task() -> int:
    """Daily: blacklist entries past their end date expire (GRD-8); idempotent."""
    from .blacklist import sweep_blacklist_expiry

    return sweep_blacklist_expiry(today=timezone.localdate())


@shared_task(name="grading.schedule_revisits")
def schedule_revisits_task() -> int:
    """Daily: open the period's revisit deadlines of the treatment matrix (GRD-10)."""
    from zhike.policy.loader import active_policy

    from .treatment import schedule_revisits

    return schedule_revisits(policy=active_policy(), today=timezone.localdate())
