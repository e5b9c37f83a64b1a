"""``zhike serve``: the production web server (gunicorn) and, without a broker, the jobs."""

import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhike.web.jobs import embedded_worker


class Command(BaseCommand):
    help = "Serve zhike with gunicorn (several workers). 生产方式运行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("ZHIKE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("ZHIKE_WEB_WORKERS", "4"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Hashed, compressed copies of the static files for WhiteNoise (fast, cacheable).
        call_command("collectstatic", interactive=False, verbosity=0)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "zhike.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            # The path without its query string or the referrer: a search's ?q= and a
            # duplicate check's number stay out of the log (SEC-5).
            "--access-logformat",
            '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss "%(a)s"',
        ]
        with embedded_worker(self.stdout):
            subprocess.run(command, check=False, env=os.environ.copy())  # noqa: S603
