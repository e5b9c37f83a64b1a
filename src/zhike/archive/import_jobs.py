"""Import jobs (IMP-1): an uploaded file's dry run and commit, claimed so that each runs
once, with progress and a heartbeat the web page and a sweep read.

- An upload is refused past ``ZHIKE_IMPORT_MAX_BYTES``; its file is deleted when the job
  ends (or after the policy's ``archive.import_files.keep_days``), and a checked file
  nobody confirms expires after ``ZHIKE_IMPORT_UNCONFIRMED_DAYS``.
- A running job beats every batch. A job whose worker died (kill -9, a restart) stops
  beating: the sweep marks it failed with the reason, and its owner may run it again. A
  commit runs in one transaction, so the database is as before the import.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.spreadsheets import ImportFileError

from .errors import ArchiveError, PermissionDenied
from .imports import ImportReport, import_customers
from .models import ImportJob

INTERRUPTED = "导入进程中断(服务器重启或任务被终止),数据未改动;可以重新运行"
EXPIRED = "文件检查后超过期限未确认,已删除;请重新上传"
RUNNING = (ImportJob.State.CHECKING, ImportJob.State.IMPORTING)
ENDED = (ImportJob.State.DONE, ImportJob.State.FAILED)


def import_file_path(job: ImportJob) -> Path:
    return Path(settings.VAR_DIR) / "imports" / f"{job.pk}{Path(job.filename).suffix.lower()}"


def import_upload(*, by: User, filename: str, chunks: Iterable[bytes]) -> ImportJob:
    """Store an uploaded file and open its job (state: checking). A file over the size
    limit is refused and nothing is kept."""
    if not by.has_perm("archive.add_customer"):
        raise PermissionDenied("您没有导入客户的权限")
    if Path(filename).suffix.lower() not in (".xlsx", ".csv"):
        raise ArchiveError("只支持 .xlsx 和 .csv 文件", field="file")
    limit = settings.ZHIKE_IMPORT_MAX_BYTES
    job = ImportJob(id=uuid.uuid4(), user=by, filename=filename[:200])
    path = import_file_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise ArchiveError(
                    f"文件超过 {limit // (1 << 20)} MB,请分成几个文件导入", field="file"
                )
            out.write(chunk)
    job.save(force_insert=True)
    return job


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": report.error_count,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
        "ignored_columns": report.ignored_columns,
        "committed": report.committed,
    }


def run_import_job(*, job_id: str, commit: bool, policy: Policy, now: datetime) -> bool:
    """Dry run (state checking → checked) or commit (importing → done) one job. The state
    is claimed first, so a redelivered job does nothing; progress is saved per batch."""
    start, end = (
        (ImportJob.State.IMPORTING, ImportJob.State.DONE)
        if commit
        else (ImportJob.State.CHECKING, ImportJob.State.CHECKED)
    )
    job = ImportJob.objects.select_related("user").filter(pk=job_id, state=start).first()
    if job is None:
        return False
    # Outside the import's transaction, so a sweep sees that a worker has the job.
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())

    def progress(rows: int) -> None:
        cache.set(_progress_key(job_id), rows, timeout=PROGRESS_KEPT)
        cache.set(_heartbeat_key(job_id), timezone.now().timestamp(), timeout=PROGRESS_KEPT)

    try:
        report = import_customers(
            by=job.user,
            path=import_file_path(job),
            filename=job.filename,
            policy=policy,
            now=now,
            commit=commit,
            progress=progress,
        )
    except (ImportFileError, RuleError) as exc:
        ImportJob.objects.filter(pk=job_id, state=start).update(
            state=ImportJob.State.FAILED, report={"file_error": str(exc)}, ended_at=timezone.now()
        )
        _forget_file(job, policy)
        return True
    state = end
    if commit and not report.committed:
        state = ImportJob.State.CHECKED  # errors found: back to the report
    ImportJob.objects.filter(pk=job_id, state=start).update(
        state=state,
        report=_report_json(report),
        rows_done=report.rows,
        ended_at=timezone.now() if state in ENDED else None,
    )
    if state in ENDED:
        _forget_file(job, policy)
    return True


def _forget_file(job: ImportJob, policy: Policy) -> None:
    """An ended job's upload is deleted at once unless the policy keeps files N days."""
    if policy.archive.import_files.keep_days == 0:
        _remove_file(job)


def _remove_file(job: ImportJob) -> None:
    import_file_path(job).unlink(missing_ok=True)
    ImportJob.objects.filter(pk=job.pk).update(has_file=False)


# A commit runs in one transaction, so a row it updates stays invisible until the end:
# the rows done so far are kept in the cache (shared by the web and job processes).
PROGRESS_KEPT = 24 * 3600


def _progress_key(job_id: object) -> str:
    return f"zhike:import-progress:{job_id}"


def _heartbeat_key(job_id: object) -> str:
    return f"zhike:import-heartbeat:{job_id}"


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None  # known for a commit: the rows its check read


def import_progress(job: ImportJob) -> Progress:
    """How far a running job is."""
    running = job.state in RUNNING
    done = cache.get(_progress_key(job.pk), job.rows_done) if running else job.rows_done
    total = job.report.get("rows") if job.state == ImportJob.State.IMPORTING else None
    return Progress(done, total)


@transaction.atomic
def import_confirm(*, by: User, job_id: str) -> ImportJob:
    """The user confirms a clean dry run: the job moves to importing (then runs)."""
    claimed = ImportJob.objects.filter(
        pk=job_id,
        user=by,
        state=ImportJob.State.CHECKED,
        report__error_count=0,
    ).update(state=ImportJob.State.IMPORTING, rows_done=0, heartbeat_at=None)
    cache.delete_many([_progress_key(job_id), _heartbeat_key(job_id)])
    if not claimed:
        raise ArchiveError("该导入无法确认:请先修正文件中的错误后重新上传")
    return ImportJob.objects.get(pk=job_id)


@transaction.atomic
def import_retry(*, by: User, job_id: str) -> ImportJob:
    """Run an interrupted job again from its check (its file is still there)."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id, user=by).first()
    if job is None:
        raise ArchiveError("导入任务不存在")
    if not (job.state == ImportJob.State.FAILED and job.report.get("interrupted")):
        raise ArchiveError("只有中断的导入可以重新运行")
    if not import_file_path(job).exists():
        raise ArchiveError("文件已删除,请重新上传")
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.CHECKING, report={}, rows_done=0, heartbeat_at=None, ended_at=None
    )
    cache.delete_many([_progress_key(job.pk), _heartbeat_key(job.pk)])
    job.refresh_from_db()
    return job


def sweep_import_jobs(*, policy: Policy, now: datetime) -> int:
    """The periodic look at import jobs; returns how many it changed.

    - A running job whose last heartbeat (the start, or the latest batch) is older than
      ``ZHIKE_IMPORT_STALE_SECONDS`` lost its worker: failed, interrupted, may run again.
    - A checked file nobody confirmed for ``ZHIKE_IMPORT_UNCONFIRMED_DAYS``: expired.
    - Files of jobs that ended more than the policy's keep_days ago are deleted.
    Each change is a compare-and-set on the state, so two sweeps change a job once."""
    changed = 0
    stale_before = now - timedelta(seconds=settings.ZHIKE_IMPORT_STALE_SECONDS)
    for job in ImportJob.objects.filter(state__in=RUNNING, heartbeat_at__isnull=False):
        beats = [job.heartbeat_at]
        cached = cache.get(_heartbeat_key(job.pk))
        if cached is not None:
            beats.append(datetime.fromtimestamp(cached, tz=now.tzinfo))
        last = max(b for b in beats if b is not None)
        if last < stale_before:
            changed += ImportJob.objects.filter(pk=job.pk, state=job.state).update(
                state=ImportJob.State.FAILED,
                report={"file_error": INTERRUPTED, "interrupted": True},
                ended_at=now,
            )
    unconfirmed = now - timedelta(days=settings.ZHIKE_IMPORT_UNCONFIRMED_DAYS)
    for job in ImportJob.objects.filter(state=ImportJob.State.CHECKED, created_at__lt=unconfirmed):
        if ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
            state=ImportJob.State.FAILED, report={"file_error": EXPIRED}, ended_at=now
        ):
            changed += 1
            _remove_file(job)
    # Files still kept: an ended job's for the policy's days, an interrupted one's (to run
    # it again) as long as an unconfirmed check's.
    kept_until = now - timedelta(days=policy.archive.import_files.keep_days)
    interrupted = Q(report__has_key="interrupted")
    for job in ImportJob.objects.filter(has_file=True, state__in=ENDED).filter(
        (~interrupted & Q(ended_at__lt=kept_until)) | (interrupted & Q(ended_at__lt=unconfirmed))
    ):
        _remove_file(job)
    return changed
