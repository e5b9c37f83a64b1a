"""Policy revisions (POL-3): a revised policy is submitted as TOML, validated, approved
through the workflow core's ``policy_change`` chain, and in force from its effective date.

This app sits above workflow, the rest of the policy package below it: workflow reads the
policy (schema, loader) and a revision goes through workflow's approvals, so the two halves
are two apps and neither app imports the other back."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.errors import Conflict, PermissionDenied
from zhike.org.models import User
from zhike.workflow.approvals import ApprovalError, approval_submit
from zhike.workflow.models import ApprovalRequest

from ..loader import active_policy, configured_policy_text, parse_policy
from ..models import PolicyVersion
from ..schema import Policy
from ..selectors import version_in_force

APPROVAL_KIND = "policy_change"


def may_revise(user: User) -> bool:
    """s004: 业务部经理修订、主管副总经理审批 — those who run reviews draft revisions, the
    ``policy_change`` chain approves them."""
    return user.has_perm("grading.run_review")


@transaction.atomic
def policy_version_submit(
    *, by: User, text: str, note: str = "", policy: Policy, now: datetime
) -> PolicyVersion:
    """Validate a revised policy and send it for approval. Raises PolicyError (with every
    problem, in Chinese) when the text is invalid."""
    if not may_revise(by):
        raise PermissionDenied(_("您没有提交制度修订的权限"))
    revised = parse_policy(text, "upload")
    meta = revised.policy
    taken = Conflict(_("版本号 %(v)s 已存在,请使用新的版本号") % {"v": meta.version})
    if PolicyVersion.objects.filter(version=meta.version).exists():
        raise taken
    if meta.effective_date < timezone.localdate(now):
        raise ApprovalError(_("生效日期不能早于今天"), field="effective_date")
    with unique_or(taken):
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
        title=deferred("管理制度修订:%(name)s %(v)s", name=meta.name, v=meta.version),
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


def policy_text_in_force(today: date) -> str:
    """The TOML of the policy in force: the approved version's, else the configured file
    or preset — what a revision starts from."""
    version = version_in_force(today)
    return version.text if version is not None else configured_policy_text()
