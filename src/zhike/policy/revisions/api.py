"""/api/v1/policy/versions — revisions of the policy, submitted for approval (POL-3)."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import ErrorOut, In
from zhike.errors import PermissionDenied
from zhike.org.models import User

from ..loader import PolicyError, active_policy
from ..models import PolicyVersion
from .services import may_revise, policy_version_submit

router = Router(tags=["policy"])


class VersionIn(In):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=500_000, description="完整的制度文件(TOML),可用 extends")
    note: str = Field(default="", max_length=300, description="修订说明")


class VersionOut(Schema):
    id: int
    version: str
    name: str
    effective_date: date
    state: str
    note: str
    submitted_at: datetime
    decided_at: datetime | None


@router.get("", response=list[VersionOut], summary="制度版本")
def versions(request: HttpRequest) -> list[PolicyVersion]:
    if not may_revise(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("您没有提交制度修订的权限"))
    return list(PolicyVersion.objects.all()[:50])


@router.post("", response={201: VersionOut, 400: ErrorOut}, summary="提交制度修订(走审批)")
def submit_version(request: HttpRequest, payload: VersionIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    try:
        version = policy_version_submit(
            by=user,
            text=payload.text,
            note=payload.note,
            policy=active_policy(),
            now=timezone.now(),
        )
    except PolicyError as exc:
        # Each problem names its place in the policy file (e.g. grading.score.bands).
        problems = [{"field": p.key, "message": str(p)} for p in exc.problems]
        return Status(
            400, {"code": "invalid", "message": _("管理制度文件无效"), "errors": problems}
        )
    return Status(201, version)
