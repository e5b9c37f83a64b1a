"""Periodic jobs of the service desk."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from zhike.policy.loader import active_policy

from .mailbox import mailbox_from_url, poll_mailbox
from .replies import tell_complainant
from .reports import open_monthly_report
from .sweep import sweep_targets


@shared_task(name="servicedesk.sweep_targets")
def sweep_targets_task() -> int:
    """SRV-5: warnings and breaches of complaint targets, each once (idempotent)."""
    result = sweep_targets(policy=active_policy(), now=timezone.now())
    return result.warned + result.breached


@shared_task(name="servicedesk.poll_mailbox")
def poll_mailbox_task() -> int:
    """SRV-1: new mails in the complaint mailbox become complaints (nothing when unset)."""
    if not settings.ZHIKE_COMPLAINT_MAILBOX:
        return 0
    result = poll_mailbox(
        mailbox=mailbox_from_url(settings.ZHIKE_COMPLAINT_MAILBOX),
        policy=active_policy(),
        now=timezone.now(),
    )
    return result.complaints + result.replies + result.quarantined


@shared_task(name="servicedesk.open_monthly_report")
def open_monthly_report_task() -> bool:
    """SRV-7: last month's complaint report and its owner's deadline (once a month)."""
    return open_monthly_report(policy=active_policy(), today=timezone.localdate()) is not None


@shared_task(
    name="servicedesk.tell_complainant", autoretry_for=(OSError,), retry_backoff=60, max_retries=5
)
def tell_complainant_task(complaint_id: int) -> bool:
    """SRV-9: the outcome by e-mail to a complainant who gave an address (once)."""
    return tell_complainant(complaint_id)
