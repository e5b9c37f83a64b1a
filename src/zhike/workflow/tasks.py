"""Jobs of the workflow core: the escalation sweep and notification delivery."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .deadlines import sweep_overdue
from .notify import deliver, retryable_deliveries


@shared_task(name="workflow.sweep_overdue")
def sweep_overdue_task() -> int:
    """Escalate overdue deadlines; safe on several workers at once (compare-and-set)."""
    return sweep_overdue(policy=active_policy(), now=timezone.now()).escalated


@shared_task(name="workflow.deliver", bind=True, max_retries=4)
def deliver_task(self, delivery_ids: list[int]) -> int:
    """Send deliveries; failed ones are retried with growing back-off, sent ones never."""
    failed = deliver(delivery_ids)
    if failed:
        raise self.retry(args=[failed], countdown=30 * 2**self.request.retries)
    return len(delivery_ids)


@shared_task(name="workflow.retry_failed_deliveries")
def retry_failed_deliveries_task() -> int:
    """Periodic catch-up for deliveries whose job gave up or whose worker died."""
    ids = retryable_deliveries()
    if ids:
        deliver(ids)
    return len(ids)
