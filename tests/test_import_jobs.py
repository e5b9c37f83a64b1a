"""Import jobs that end: a dead worker's job is failed and may run again (issue 13 item
12); uploads are bounded and deleted when their job ends (item 14)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from zhike.archive import import_jobs
from zhike.archive.models import Customer, ImportJob
from zhike.errors import RuleError
from zhike.policy.loader import load_policy, parse_policy

from .conftest import Company

POLICY = load_policy("general")
CSV = "客户名称,电话\n新华书店,13912340001\n光明乳业,13912340002\n".encode()


def upload(company: Company, content: bytes = CSV, name: str = "c.csv") -> ImportJob:
    return import_jobs.import_upload(by=company.users["alice"], filename=name, chunks=[content])


def run(job: ImportJob, *, commit: bool, policy=POLICY) -> None:  # type: ignore[no-untyped-def]
    import_jobs.run_import_job(job_id=str(job.pk), commit=commit, policy=policy, now=timezone.now())


def test_imp_1_a_job_whose_worker_died_is_failed_with_the_reason_and_runs_again(
    company: Company, settings
) -> None:
    """kill -9 at 12,000 of 50,000 rows left the job "importing" for ever."""
    job = upload(company)
    run(job, commit=False)
    import_jobs.import_confirm(by=company.users["alice"], job_id=str(job.pk))
    # The worker took the job, beat once, and died (nothing committed: one transaction).
    started = timezone.now() - timedelta(seconds=settings.ZHIKE_IMPORT_STALE_SECONDS + 60)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=started)
    assert import_jobs.sweep_import_jobs(policy=POLICY, now=timezone.now()) == 1
    job.refresh_from_db()
    assert job.state == "failed" and job.report["interrupted"] is True
    assert "导入进程中断" in job.report["file_error"]
    assert import_jobs.sweep_import_jobs(policy=POLICY, now=timezone.now()) == 0  # once
    page = company.client("alice").get(f"/imports/{job.pk}/")
    assert "重新运行" in page.text
    company.client("alice").post(f"/imports/{job.pk}/", {"retry": "1"})  # small: inline
    job.refresh_from_db()
    assert job.state == "checked" and job.report["created"] == 2
    import_jobs.import_confirm(by=company.users["alice"], job_id=str(job.pk))
    run(job, commit=True)
    assert Customer.objects.filter(name__in=["新华书店", "光明乳业"]).count() == 2


def test_imp_1_a_job_that_beats_is_not_taken_for_dead(company: Company, settings) -> None:
    job = upload(company)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert import_jobs.sweep_import_jobs(policy=POLICY, now=timezone.now()) == 0
    queued = upload(company)  # waiting for a worker: no heartbeat yet, not stale
    assert queued.heartbeat_at is None
    later = timezone.now() + timedelta(days=1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=later - timedelta(seconds=5))
    assert import_jobs.sweep_import_jobs(policy=POLICY, now=later) == 0


def test_imp_1_only_an_interrupted_job_may_run_again(company: Company) -> None:
    job = upload(company)
    run(job, commit=False)
    with pytest.raises(RuleError, match="只有中断的导入可以重新运行"):
        import_jobs.import_retry(by=company.users["alice"], job_id=str(job.pk))
    with pytest.raises(RuleError, match="不存在"):
        import_jobs.import_retry(by=company.users["bob"], job_id=str(job.pk))


def test_imp_1_an_upload_over_the_limit_is_refused_and_not_kept(company: Company, settings) -> None:
    settings.ZHIKE_IMPORT_MAX_BYTES = 1 << 20
    folder = Path(settings.VAR_DIR) / "imports"
    before = set(folder.glob("*"))
    with pytest.raises(RuleError, match="文件超过 1 MB"):
        import_jobs.import_upload(
            by=company.users["alice"], filename="big.csv", chunks=[b"x" * (600 << 10)] * 2
        )
    assert not ImportJob.objects.exists()
    assert set(folder.glob("*")) == before
    response = company.api("alice").post(
        "/api/v1/customers/imports",
        {"file": _file("big.csv", b"x" * (2 << 20))},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def _file(name: str, content: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_imp_1_an_upload_is_deleted_when_its_job_ends(company: Company) -> None:
    job = upload(company)
    path = import_jobs.import_file_path(job)
    run(job, commit=False)
    assert path.exists()  # checked: kept for the confirmation
    import_jobs.import_confirm(by=company.users["alice"], job_id=str(job.pk))
    run(job, commit=True)
    assert not path.exists()
    job.refresh_from_db()
    assert job.state == "done" and job.has_file is False
    broken = upload(company, b"\x00\x01binary", "b.csv")
    run(broken, commit=False)
    broken.refresh_from_db()
    assert broken.state == "failed" and not import_jobs.import_file_path(broken).exists()


def test_imp_1_the_policy_may_keep_import_files_for_n_days(company: Company) -> None:
    keep = parse_policy(
        '[policy]\nname = "t"\nversion = "t"\neffective_date = 2026-01-01\n'
        "[archive.import_files]\nkeep_days = 30\n"
    )
    job = upload(company)
    path = import_jobs.import_file_path(job)
    run(job, commit=False, policy=keep)
    import_jobs.import_confirm(by=company.users["alice"], job_id=str(job.pk))
    run(job, commit=True, policy=keep)
    assert path.exists()
    import_jobs.sweep_import_jobs(policy=keep, now=timezone.now() + timedelta(days=29))
    assert path.exists()
    import_jobs.sweep_import_jobs(policy=keep, now=timezone.now() + timedelta(days=31))
    assert not path.exists()


def test_imp_1_a_checked_file_nobody_confirms_expires(company: Company, settings) -> None:
    job = upload(company)
    run(job, commit=False)
    later = timezone.now() + timedelta(days=settings.ZHIKE_IMPORT_UNCONFIRMED_DAYS + 1)
    assert import_jobs.sweep_import_jobs(policy=POLICY, now=later) == 1
    job.refresh_from_db()
    assert job.state == "failed" and not import_jobs.import_file_path(job).exists()
