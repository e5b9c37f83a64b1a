"""Major complaints (SRV-3, s003-18): the triggers, the managers told at once, the
crisis meeting and the 24-hour warning report."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy

from . import clock
from .common import CONTENT_MAX, clean_text, locked, may_manage, may_work, record, tell
from .errors import ServiceError
from .models import Complaint, TargetKind
from .transitions import State

MAJOR_MESSAGE = gettext_noop("重大投诉:%(number)s,请立即召开危机处理会议")


def managers(complaint: Complaint, policy: Policy) -> list[User]:
    """The people a major complaint is told to at once (SRV-3, s003-18 2.6: 部门负责人、
    总经理): the roles of the service escalation chain nearest the handling department."""
    chain = policy.escalation.get(policy.service.escalation)
    roles = chain.roles if chain else ["general_manager"]
    people: list[User] = []
    for role in roles:
        people += people_with_role(role, near=complaint.department)
    return people


def major_reasons(triggers: list[str], *, repeat: bool, policy: Policy) -> list[str]:
    allowed = set(policy.service.major_triggers)
    unknown = [t for t in triggers if t not in allowed or t == "repeat"]
    if unknown:
        raise ServiceError(
            _("未知的重大投诉原因:%(t)s") % {"t": ", ".join(unknown)}, field="triggers"
        )
    reasons = sorted(set(triggers))
    if repeat and "repeat" in allowed:
        reasons.insert(0, "repeat")
    return reasons


def add_triggers(complaint: Complaint, triggers: list[str], policy: Policy) -> bool:
    """Add reasons for a major complaint; whether it has just become major."""
    if not triggers:
        return False
    added = major_reasons(triggers, repeat=False, policy=policy)
    reasons = sorted(set(complaint.major_reasons) | set(added), key=lambda r: r != "repeat")
    was_major = complaint.major
    complaint.major_reasons, complaint.major = reasons, bool(reasons)
    return complaint.major and not was_major


def became_major(complaint: Complaint, *, by: User | None, now: datetime, policy: Policy) -> None:
    record(complaint, "major", by=by, now=now, note=", ".join(complaint.major_reasons))
    clock.open_targets(complaint, [TargetKind.WARNING.value], start=now, policy=policy, now=now)
    tell(
        managers(complaint, policy),
        complaint,
        MAJOR_MESSAGE,
        kind="complaint.major",
        policy=policy,
    )


@transaction.atomic
def complaint_mark_major(
    *, by: User, complaint_id: int, triggers: list[str], policy: Policy, now: datetime
) -> Complaint:
    """A manager judges a complaint major (s003-18 认为影响面大或性质恶劣), or adds reasons."""
    complaint = locked(by, complaint_id)  # 404 outside the scope before 403
    may_manage(by)
    if complaint.state == State.CLOSED:
        raise ServiceError(_("投诉已结案"), field="state")
    if not triggers:
        raise ServiceError(_("请选择重大投诉的原因"), field="triggers")
    became = add_triggers(complaint, triggers, policy)
    complaint.save(update_fields=["major", "major_reasons"])
    if became:
        became_major(complaint, by=by, now=now, policy=policy)
    else:
        record(complaint, "major", by=by, now=now, note=", ".join(complaint.major_reasons))
    return complaint


@transaction.atomic
def complaint_crisis_meeting(
    *, by: User, complaint_id: int, minutes: str, now: datetime
) -> Complaint:
    """The crisis meeting of a major complaint (s003-18 2.6: 总经理召集危机处理小组开会)."""
    complaint = locked(by, complaint_id)
    may_work(by, complaint)
    if not complaint.major:
        raise ServiceError(_("只有重大投诉需要危机处理会议"), field="major")
    complaint.crisis_meeting = clean_text(minutes, "minutes", required=True, limit=CONTENT_MAX)
    complaint.save(update_fields=["crisis_meeting"])
    record(complaint, "crisis", by=by, now=now, note=complaint.crisis_meeting)
    return complaint


@transaction.atomic
def complaint_warning_report(
    *, by: User, complaint_id: int, report: str, policy: Policy, now: datetime
) -> Complaint:
    """The major complaint's warning report (s003-18 2.5: 24 小时内预警): meets its target."""
    complaint = locked(by, complaint_id)
    may_work(by, complaint)
    if not complaint.major:
        raise ServiceError(_("只有重大投诉需要预警报告"), field="major")
    complaint.warning_report = clean_text(report, "report", required=True, limit=CONTENT_MAX)
    complaint.save(update_fields=["warning_report"])
    record(complaint, "warning_report", by=by, now=now, note=complaint.warning_report)
    clock.meet(complaint, [TargetKind.WARNING.value], now=now, policy=policy)
    return complaint
