"""Periodic jobs of the service desk."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .sweep import sweep_targets


@shared_task(name="servicedesk.sweep_targets")
def sweep_targets_task() -> int:
    """SRV-5: warnings and breaches of complaint targets, each once (idempotent)."""
    result = sweep_targets(policy=active_policy(), now=timezone.now())
    return result.warned + result.breached
