"""Periodic jobs of follow-ups and visits."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .plans import open_plan_duties


@shared_task(name="engagement.open_plan_duties")
def open_plan_duties_task() -> int:
    """ENG-3: each planner's duty to submit next month's visit plan (idempotent)."""
    return open_plan_duties(policy=active_policy(), today=timezone.localdate())
