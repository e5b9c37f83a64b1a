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
    """Daily: open the period's revisit and report deadlines of the treatment matrix."""
    from zhike.policy.loader import active_policy

    from .treatment import schedule_reports, schedule_revisits

    policy, today = active_policy(), timezone.localdate()
    return schedule_revisits(policy=policy, today=today) + schedule_reports(
        policy=policy, today=today
    )


@shared_task(name="grading.start_scheduled_review")
def start_scheduled_review_task() -> int | None:
    """Daily: start the policy's periodic review on its day (GRD-6); idempotent."""
    from zhike.policy.loader import active_policy

    from .reviews import start_scheduled_review

    review = start_scheduled_review(
        policy=active_policy(), today=timezone.localdate(), now=timezone.now()
    )
    return review.pk if review else None
