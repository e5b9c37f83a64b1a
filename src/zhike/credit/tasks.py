"""Periodic jobs of credit."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .risk import sweep_refusals


@shared_task(name="credit.sweep_refusals")
def sweep_refusals_task() -> int:
    """CRD-7: likely refusals inferred from the ledger, each reported once."""
    return sweep_refusals(policy=active_policy(), today=timezone.localdate(), now=timezone.now())
