"""Jobs of the grading module."""

from celery import shared_task
from django.utils import timezone

from .reviews import review_compute


@shared_task(name="grading.compute_review")
def compute_review_task(review_id: int) -> bool:
    """Compute a review's proposals (GRD-6); claimed, so a redelivered job does nothing."""
    return review_compute(review_id=review_id, now=timezone.now())
