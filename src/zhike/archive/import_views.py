"""Import pages (IMP-1): upload, dry-run report, confirm, progress."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from zhike.errors import RuleError
from zhike.jobs import enqueue
from zhike.org.models import User
from zhike.policy.loader import active_policy

from .import_jobs import (
    import_confirm,
    import_file_path,
    import_progress,
    import_retry,
    import_upload,
    run_import_job,
)
from .import_template import template_xlsx
from .models import ImportJob


def _run(job: ImportJob, *, commit: bool, size: int) -> None:
    """Small files are checked and imported within the request; large ones by a job."""
    if size <= settings.ZHIKE_IMPORT_INLINE_BYTES:
        run_import_job(
            job_id=str(job.pk), commit=commit, policy=active_policy(), now=timezone.now()
        )
    else:
        enqueue("archive.run_import", str(job.pk), commit)


@login_required
def customer_import(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("archive.add_customer"):
        raise Http404
    error = ""
    upload = request.FILES.get("file")
    if request.method == "POST":
        if upload is None:
            error = "请选择要导入的文件"
        else:
            try:
                job = import_upload(
                    by=user, filename=upload.name or "upload", chunks=upload.chunks()
                )
            except RuleError as exc:
                error = exc.message
            else:
                _run(job, commit=False, size=upload.size or 0)
                return redirect("import-detail", job_id=job.pk)
    return render(request, "archive/import.html", {"error": error})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, "客户导入模板.xlsx")
    return response


@login_required
def import_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = ImportJob.objects.filter(pk=job_id, user=request.user).first()  # type: ignore[misc]
    if job is None:
        raise Http404
    if request.method == "POST":
        retry = request.POST.get("retry") == "1"
        try:
            if retry:
                job = import_retry(by=job.user, job_id=str(job.pk))
            else:
                job = import_confirm(by=job.user, job_id=str(job.pk))
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            _run(job, commit=not retry, size=import_file_path(job).stat().st_size)
        return redirect("import-detail", job_id=job.pk)
    template = "archive/import_detail.html"
    if request.headers.get("HX-Request"):
        template += "#status"
    return render(
        request,
        template,
        {"job": job, "report": job.report, "progress": import_progress(job)},
    )
