"""``zhike worker``: a Celery worker (with beat unless --no-beat) for broker deployments."""

import os
import subprocess
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from zhike.web.jobs import worker_command


class Command(BaseCommand):
    help = "Run a job worker (Celery). 运行后台任务进程。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-beat",
            action="store_true",
            help="run beat elsewhere (exactly one beat per deployment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        subprocess.run(  # noqa: S603 — our own command line
            worker_command(beat=not options["no_beat"]),
            check=False,
            env=os.environ.copy(),
        )
