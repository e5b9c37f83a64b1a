"""Policy versions (POL-3): a revised policy is submitted as TOML, validated, approved
through the workflow core's ``policy_change`` chain, and in force from its effective date.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.org.models import User
from zhike.workflow.approvals import ApprovalError, approval_submit
from zhike.workflow.models import ApprovalRequest

from .loader import active_policy, parse_policy
from .models import PolicyVersion
from .schema import Policy

APPROVAL_KIND = "policy_change"


@transaction.atomic
def policy_version_submit(
    *, by: User, text: str, note: str = "", policy: Policy, now: datetime
) -> PolicyVersion:
    """Validate a revised policy and send it for approval. Raises PolicyError (with every
    problem, in Chinese) when the text is invalid."""
    revised = parse_policy(text, "upload")
    meta = revised.policy
    if PolicyVersion.objects.filter(version=meta.version).exists():
        raise ApprovalError(_("版本号 %(v)s 已存在,请使用新的版本号") % {"v": meta.version})
    if meta.effective_date < timezone.localdate(now):
        raise ApprovalError(_("生效日期不能早于今天"), field="effective_date")
    version = PolicyVersion.objects.create(
        version=meta.version,
        name=meta.name,
        effective_date=meta.effective_date,
        text=text,
        note=note,
        submitted_by=by,
        submitted_at=now,
    )
    approval_submit(
        kind=APPROVAL_KIND,
        subject=version,
        title=_("管理制度修订:%(name)s %(v)s") % {"name": meta.name, "v": meta.version},
        by=by,
        policy=policy,
        now=now,
    )
    record(version, "policy.submitted", by=by, details={"version": meta.version, "note": note})
    return version


def on_version_approved(request: ApprovalRequest) -> None:
    PolicyVersion.objects.filter(pk=request.object_id).update(
        state=PolicyVersion.State.APPROVED, decided_at=request.decided_at
    )
    active_policy.cache_clear()


def on_version_rejected(request: ApprovalRequest) -> None:
    PolicyVersion.objects.filter(pk=request.object_id).update(
        state=PolicyVersion.State.REJECTED, decided_at=request.decided_at
    )


def version_in_force(today: date) -> PolicyVersion | None:
    """The newest approved version whose effective date has come."""
    return (
        PolicyVersion.objects.filter(state=PolicyVersion.State.APPROVED, effective_date__lte=today)
        .order_by("-effective_date", "-id")
        .first()
    )
