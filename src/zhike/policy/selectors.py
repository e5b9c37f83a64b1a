"""Reads of the policy's versions (POL-3); the loader and the revision service both use
them, so they live below both."""

from datetime import date

from .models import PolicyVersion


def version_in_force(today: date) -> PolicyVersion | None:
    """The newest approved version whose effective date has come."""
    return (
        PolicyVersion.objects.filter(state=PolicyVersion.State.APPROVED, effective_date__lte=today)
        .order_by("-effective_date", "-id")
        .first()
    )
