"""The supervisor's review of visit reports (ENG-4, s003-4 拜访应于两天内提出客户拜访报告,
呈主管审核): where the policy has ``[approvals.visit_report]`` a submitted report goes to
the reporter's supervisor through the workflow's approvals (its deadline, escalation and
delegation included). Returned, the reporter completes it and it goes again."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.approvals import approval_resubmit, approval_submit
from zhike.workflow.models import ApprovalRequest, ApprovalState

from .errors import EngagementError, NotFound, PermissionDenied
from .models import VisitReport

APPROVAL_KIND = "visit_report"


def ask_review(report: VisitReport, *, by: User, policy: Policy, now: datetime) -> None:
    """Called as the report is submitted; nothing when the policy asks no review."""
    if APPROVAL_KIND not in policy.approvals:
        return
    visit = report.visit
    approval_submit(
        kind=APPROVAL_KIND,
        subject=report,
        title=deferred(
            "拜访报告:%(customer)s %(day)s",
            customer=visit.customer.name,
            day=f"{visit.occurred_at:%Y-%m-%d}",
        ),
        by=by,
        policy=policy,
        now=now,
    )
    report.review = VisitReport.Review.SUBMITTED
    report.save(update_fields=["review"])


def latest_request(report: VisitReport) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.filter(
            kind=APPROVAL_KIND,
            content_type=ContentType.objects.get_for_model(VisitReport),
            object_id=report.pk,
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic
def visit_report_revise(
    *, by: User, report_id: int, summary: str, policy: Policy, now: datetime
) -> VisitReport:
    """The reporter completes a returned report; it goes to the supervisor again."""
    report = (
        VisitReport.objects.select_for_update()
        .select_related("visit__customer")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("拜访报告不存在"))
    if report.by_id != by.pk:
        raise PermissionDenied(_("只能修改自己的拜访报告"))
    if report.review != VisitReport.Review.RETURNED:
        raise EngagementError(_("只有被退回的拜访报告可以补充后重新提交"), field="summary")
    summary = summary.strip()
    if not summary:
        raise EngagementError(_("请填写拜访情况"), field="summary")
    old = report.summary
    report.summary, report.review = summary, VisitReport.Review.SUBMITTED
    report.save(update_fields=["summary", "review"])
    request = latest_request(report)
    if request is not None and request.state == ApprovalState.RETURNED:
        approval_resubmit(request_id=request.pk, by=by, policy=policy, now=now)
    else:  # rejected: a new request
        ask_review(report, by=by, policy=policy, now=now)
    record(report.visit.customer, "engagement.report_revised", by=by, details={"old": old[:300]})
    return report


def on_reviewed(request: ApprovalRequest) -> None:
    VisitReport.objects.filter(pk=request.object_id).update(review=VisitReport.Review.REVIEWED)


def on_returned(request: ApprovalRequest) -> None:
    VisitReport.objects.filter(pk=request.object_id).update(review=VisitReport.Review.RETURNED)


def report_link(request: ApprovalRequest) -> str:
    visit_id = (
        VisitReport.objects.filter(pk=request.object_id).values_list("visit_id", flat=True).first()
    )
    return f"/follow-ups/{visit_id}/#report" if visit_id else ""
