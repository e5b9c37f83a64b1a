"""Periodic jobs of analytics."""

from celery import shared_task
from django.utils import timezone

from .rollup import refresh


@shared_task(name="analytics.refresh_rollups")
def refresh_rollups_task() -> int:
    """Fold the ledger's new deltas into the rollups and re-key changed customers."""
    done = refresh(now=timezone.now())
    return done.deltas + done.customers
