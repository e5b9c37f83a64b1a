"""ENG-9 汇报 (s004): the periodic written report each treatment cell requires (grading's
定期汇报 deadlines), routed up the chain with each level's day limit through the workflow's
approvals; and the emergency report (客户拒付、可能拒付货款), to every level at once."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.deferred import deferred
from zhike.grading.treatment import REPORT
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import Deadline, DeadlineState
from zhike.workflow.notify import notify_people

from .errors import EngagementError, NotFound
from .models import CustomerReport

APPROVAL_KIND = "grade_report"  # [approvals.grade_report]
BODY_MAX = 10_000


def _body(text: str) -> str:
    body = text.strip()
    if not body:
        raise EngagementError(_("请填写汇报内容"), field="body")
    if len(body) > BODY_MAX:
        raise EngagementError(_("汇报内容不能超过 %(n)s 字") % {"n": BODY_MAX}, field="body")
    return body


@transaction.atomic
def periodic_report_submit(
    *, by: User, duty_id: int, body: str, now: datetime, policy: Policy
) -> CustomerReport:
    """Write the report a 定期汇报 duty asks for: the duty is done, and the report climbs
    the chain, each level with its own day limit."""
    duty = Deadline.objects.select_for_update().filter(pk=duty_id, assignee=by, rule=REPORT).first()
    if duty is None:
        raise NotFound(_("汇报任务不存在"))
    if duty.state != DeadlineState.OPEN:
        raise EngagementError(_("这项汇报已经提交"))
    report = CustomerReport.objects.create(
        kind=CustomerReport.Kind.PERIODIC,
        by=by,
        subject=duty.title[:200],
        body=_body(body),
        submitted_at=now,
    )
    duty.state, duty.closed_at, duty.next_escalation_at = DeadlineState.DONE, now, None
    duty.save(update_fields=["state", "closed_at", "next_escalation_at"])
    approval_submit(
        kind=APPROVAL_KIND,
        subject=report,
        title=deferred("客户定期汇报:%(who)s · %(what)s", who=str(by), what=duty.title_source),
        by=by,
        policy=policy,
        now=now,
    )
    return report


@transaction.atomic
def emergency_report(
    *, by: User, customer_id: int, body: str, now: datetime, policy: Policy
) -> CustomerReport:
    """An emergency on one customer: every level of the chain is told at once."""
    customer = access_customer(by, customer_id)
    report = CustomerReport.objects.create(
        kind=CustomerReport.Kind.EMERGENCY,
        by=by,
        customer=customer,
        subject=f"{customer.name}"[:200],
        body=_body(body),
        submitted_at=now,
    )
    # Who hears it at once (s004: 以最迅速方式在最短时间内向主管上级汇报): every level of
    # the chain the policy routes a periodic report through.
    chain = policy.approvals.get(APPROVAL_KIND)
    roles = [step.role for step in chain.steps] if chain else []
    leaders = {
        person
        for role in roles
        for person in people_with_role(role, near=by.department, exclude=by)
    }
    notify_people(
        sorted(leaders, key=lambda u: u.pk),
        kind="report.emergency",
        title=deferred("紧急汇报:%(name)s(%(who)s)", name=customer.name, who=str(by)),
        body=report.body,
        link=f"/customers/{customer.pk}/",
        policy=policy,
    )
    return report
