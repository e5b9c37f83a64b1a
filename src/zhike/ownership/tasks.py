"""Periodic jobs of ownership."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .sweep import sweep_lapses


@shared_task(name="ownership.sweep_lapses")
def sweep_lapses_task() -> int:
    """OWN-1: warn owners, then release customers whose contact lapsed (idempotent)."""
    return sweep_lapses(policy=active_policy(), now=timezone.now()).released
