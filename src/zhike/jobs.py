"""Queueing a job by its name once the caller's transaction commits (a rolled-back request
never starts one).

Services queue through this, never by importing their app's ``tasks`` module: the tasks
import the services they run, so the imports read top-down (tasks → services → models)
with no circle back (issue 13 item 34). The names are the ``shared_task(name=…)`` of each
app's tasks.py.
"""

from typing import Any

from django.db import transaction


def send_now(name: str, *args: Any) -> None:
    """Send job ``name`` with ``args`` to the queue at once."""
    from zhike.celery import app

    app.send_task(name, args=list(args))


def enqueue(name: str, *args: Any) -> None:
    """Send job ``name`` with ``args`` when the current transaction commits."""
    transaction.on_commit(lambda: send_now(name, *args))
