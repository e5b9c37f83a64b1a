"""Running the job engine next to the web server when no broker is configured."""

import os
import signal
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


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


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
    # SIGTERM (a service manager, `kill`, a test ending the demo) would end this process
    # without running the cleanup below and leave the worker running on its own: turn it
    # into SystemExit, as Ctrl-C is turned into KeyboardInterrupt.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
