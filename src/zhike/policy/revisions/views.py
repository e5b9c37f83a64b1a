"""管理制度 page (POL-3): the policy in force, its versions, and a revision for approval."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.errors import RuleError
from zhike.org.models import User

from ..loader import PolicyError, active_policy
from ..models import PolicyVersion
from .services import may_revise, policy_text_in_force, policy_version_submit

MAX_UPLOAD = 500_000  # bytes: a policy file is a few kilobytes


@login_required
def policy_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    policy = active_policy()
    reviser = may_revise(user)
    context: dict = {"meta": policy.policy, "reviser": reviser, "problems": [], "error": ""}
    if request.method == "POST":
        if not reviser:
            raise PermissionDenied
        text, error = _uploaded_text(request)
        if not error:
            try:
                version = policy_version_submit(
                    by=user,
                    text=text,
                    note=request.POST.get("note", "")[:300],
                    policy=policy,
                    now=timezone.now(),
                )
            except PolicyError as exc:
                context["problems"] = exc.problems
                error = _("管理制度文件无效,请按下列问题修改后重新提交:")
            except RuleError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("制度修订 %(v)s 已提交审批,批准后于 %(d)s 生效")
                    % {"v": version.version, "d": version.effective_date},
                )
                return redirect("policy")
        context["error"] = error
    if reviser:
        context["versions"] = PolicyVersion.objects.select_related("submitted_by")[:50]
    return render(request, "policy/policy.html", context)


def _uploaded_text(request: HttpRequest) -> tuple[str, str]:
    """The revision's TOML from the file field, as UTF-8 text; or an error to show."""
    upload = request.FILES.get("file")
    if upload is None:
        return "", _("请选择制度文件(.toml)")
    if upload.size is not None and upload.size > MAX_UPLOAD:
        return "", _("文件过大:制度文件应小于 500 KB")
    try:
        return upload.read().decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return "", _("制度文件须为 UTF-8 编码的文本(.toml)")


@login_required
def policy_download(request: HttpRequest) -> HttpResponse:
    """The TOML of the policy in force, to start a revision from."""
    if not may_revise(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    text = policy_text_in_force(timezone.localdate())
    meta = active_policy().policy
    response = HttpResponse(text, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meta.version}.toml"'
    return response
