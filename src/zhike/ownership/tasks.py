"""Periodic jobs of ownership."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .referrals import award_order_points
from .sweep import sweep_lapses


@shared_task(name="ownership.sweep_lapses")
def sweep_lapses_task() -> int:
    """OWN-1: warn owners, then release customers whose contact lapsed (idempotent)."""
    return sweep_lapses(policy=active_policy(), now=timezone.now()).released


@shared_task(name="ownership.award_referral_points")
def award_referral_points_task() -> int:
    """OWN-6: points for referred customers' new orders (idempotent)."""
    return award_order_points(policy=active_policy(), now=timezone.now())
