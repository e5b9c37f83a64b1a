"""The Celery app and the one beat schedule of every periodic job."""

from celery import Celery
from celery.schedules import crontab

# Settings are read lazily, when the first job is sent or the worker starts: the `zhike`
# command (or DJANGO_SETTINGS_MODULE) has chosen the profile by then. This module must not
# choose one itself, since `import zhike` runs it before the command line is read.
# DjangoTask (``delay_on_commit``) named explicitly: Celery picks it on its own only when
# DJANGO_SETTINGS_MODULE is set before this import, which `zhike` and wsgi do not do.
app = Celery("zhike", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's *current* app is thread-local: a thread that did not create this app (each
# request thread of the demo's threaded server) would otherwise resolve every
# ``shared_task`` to Celery's built-in default app (amqp on localhost), whose tasks lack
# ``delay_on_commit``. Made the default, it is the current app of every thread.
app.set_default()
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "analytics-refresh-rollups": {
        "task": "analytics.refresh_rollups",
        "schedule": 300.0,  # dashboards lag the ledger by minutes at most
    },
    "archive-data-quality-sweep": {
        "task": "archive.sweep_stale_customers",
        "schedule": crontab(hour=2, minute=0),
    },
    "archive-import-jobs": {
        "task": "archive.sweep_import_jobs",
        "schedule": 300.0,  # a dead import is noticed within minutes
    },
    "grading-blacklist-expiry": {
        "task": "grading.sweep_blacklist_expiry",
        "schedule": crontab(hour=1, minute=30),
    },
    "grading-scheduled-review": {
        "task": "grading.start_scheduled_review",
        "schedule": crontab(hour=0, minute=30),
    },
    "engagement-plan-duties": {
        "task": "engagement.open_plan_duties",
        "schedule": crontab(hour=6, minute=10),
    },
    "grading-schedule-revisits": {
        "task": "grading.schedule_revisits",
        "schedule": crontab(hour=6, minute=0),
    },
    "ownership-lapse-sweep": {
        "task": "ownership.sweep_lapses",
        "schedule": crontab(hour=1, minute=0),  # before the working day: warnings are read
    },
    "ownership-referral-points": {
        "task": "ownership.award_referral_points",
        "schedule": crontab(hour=1, minute=20),
    },
    "credit-collection": {
        "task": "credit.open_collection",
        "schedule": crontab(hour=6, minute=20),
    },
    "credit-open-review": {
        "task": "credit.open_review",
        "schedule": crontab(hour=5, minute=40),  # daily: idempotent, acts twice a year
    },
    "credit-refusal-sweep": {
        "task": "credit.sweep_refusals",
        "schedule": crontab(hour=6, minute=30),  # before the working day
    },
    "servicedesk-target-sweep": {
        "task": "servicedesk.sweep_targets",
        "schedule": 300.0,  # a complaint's 1-working-day target is measured in minutes
    },
    "servicedesk-monthly-report": {
        "task": "servicedesk.open_monthly_report",
        "schedule": crontab(hour=7, minute=0),  # daily: idempotent, acts once a month
    },
    "servicedesk-mailbox": {
        "task": "servicedesk.poll_mailbox",
        "schedule": 120.0,  # a mailed complaint is registered within minutes
    },
    "workflow-escalation-sweep": {
        "task": "workflow.sweep_overdue",
        "schedule": 300.0,  # every 5 minutes: escalation is measured in hours and days
    },
    "workflow-retry-failed-deliveries": {
        "task": "workflow.retry_failed_deliveries",
        "schedule": 600.0,
    },
}
