"""Periodic jobs of the archive."""

from celery import shared_task
from django.utils import timezone

from zhike.policy.loader import active_policy

from .export_jobs import run_export
from .services import sweep_stale_customers


@shared_task(name="archive.sweep_stale_customers")
def sweep_stale_customers_task() -> int:
    """Daily data-quality sweep (ARC-6); safe to run twice or on several workers at once."""
    return sweep_stale_customers(policy=active_policy(), now=timezone.now())


@shared_task(name="archive.run_export")
def run_export_task(export_id: str) -> bool:
    """A large customer export (IMP-2); a redelivered job finds it claimed and stops."""
    return run_export(export_id=export_id, now=timezone.now())


@shared_task(name="archive.run_import")
def run_import_task(job_id: str, commit: bool) -> bool:
    """Dry run or commit of an uploaded customer file (IMP-1); claimed, so runs once."""
    from .import_jobs import run_import_job

    return run_import_job(job_id=job_id, commit=commit, policy=active_policy(), now=timezone.now())


@shared_task(name="archive.sweep_import_jobs")
def sweep_import_jobs_task() -> int:
    """Imports whose worker died are failed (and may run again); old files deleted."""
    from .import_jobs import sweep_import_jobs

    return sweep_import_jobs(policy=active_policy(), now=timezone.now())
