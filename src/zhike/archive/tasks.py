"""Periodic jobs of the archive."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .services import sweep_stale_customers


@shared_task(name="archive.sweep_stale_customers")
def sweep_stale_customers_task() -> int:
    """Daily data-quality sweep (ARC-6); safe to run twice or on several workers at once."""
    return sweep_stale_customers(policy=active_policy(), now=timezone.now())
