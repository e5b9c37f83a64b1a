"""The Celery app and the one beat schedule of every periodic job."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhike.settings.dev")

app = Celery("zhike")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "archive-data-quality-sweep": {
        "task": "archive.sweep_stale_customers",
        "schedule": crontab(hour=2, minute=0),
    },
}
