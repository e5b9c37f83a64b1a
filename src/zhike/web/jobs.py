"""Running the job engine next to the web server when no broker is configured."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.conf import settings


class Writer(Protocol):
    def write(self, msg: str) -> object: ...


def worker_command(*, beat: bool = True) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "zhike",
        "worker",
        "--loglevel=INFO",
        "--concurrency=1",
    ]
    if beat:
        command += ["--beat", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
    return command


@contextmanager
def embedded_worker(out: "Writer") -> Iterator[None]:
    """With the embedded (folder) queue, start one worker with beat as a child process
    for as long as the server runs. With a real broker, workers run on their own."""
    if not settings.CELERY_EMBEDDED:
        out.write("CELERY_BROKER_URL is set: run `zhike worker` for jobs.\n")
        yield
        return
    process = subprocess.Popen(worker_command(), env=os.environ.copy())  # noqa: S603
    out.write(f"后台任务进程已启动 / job worker started (pid {process.pid})\n")
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
