"""Event-driven downgrade (GRD-7, s000 五 3(3)): a problem recorded on a customer of a
protected level (VIP) must lead to a downgrade within the policy's allowance (5 days);
the deadline escalates when missed. A severe problem is reported to the leaders at once.
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.deferred import deferred, stored_title
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.grading_schema import EventDowngrade
from zhike.policy.schema import Policy
from zhike.workflow.deadlines import deadline_open, deadlines_close
from zhike.workflow.models import Notice
from zhike.workflow.notify import notify_many

from .errors import GradingError, PermissionDenied
from .models import GradeChange, Problem, Standing
from .treatment import refresh_priorities

RULE = "grading_downgrade"


def _rule(policy: Policy) -> EventDowngrade:
    if policy.grading.event_downgrade is None:
        raise GradingError(_("管理制度中没有配置事件降级规则"))
    return policy.grading.event_downgrade


def _level_order(policy: Policy, axis: str) -> list[str]:
    rules = policy.grading
    if axis == "tier":
        return [level.key for level in rules.tier.levels] if rules.tier else []
    return [grade.key for grade in rules.score.grades] if rules.score else []


@transaction.atomic
def problem_record(
    *,
    by: User,
    customer_id: int,
    kind: str,
    description: str,
    severe: bool = False,
    policy: Policy,
    now: datetime,
) -> Problem:
    """Record a problem; on a protected customer, open the downgrade deadline."""
    rule = _rule(policy)
    customer = access_customer(by, customer_id)
    if not by.has_perm("grading.add_problem"):
        raise PermissionDenied(_("您没有登记客户问题的权限"))
    if kind not in rule.kinds:
        raise GradingError(
            _("无效的问题类型,可选:%(k)s") % {"k": "、".join(rule.kinds.values())}, field="kind"
        )
    if not description.strip():
        raise GradingError(_("请填写情况说明"), field="description")
    problem = Problem.objects.create(
        customer=customer, kind=kind, description=description.strip(), severe=severe, by=by, at=now
    )
    standing = Standing.objects.filter(customer=customer).first()
    level = getattr(standing, rule.axis, "") if standing else ""
    if level in rule.levels:
        assignees = people_with_role(rule.assignee_role, near=customer.department)
        if assignees:
            problem.deadline = deadline_open(
                title=deferred("客户出现问题,须在期限内降级:%(name)s", name=customer.name),
                assignee=assignees[0],
                start=now,
                within=rule.within,
                policy=policy,
                rule=RULE,
                escalation=rule.escalation,
                subject=customer,
                link=f"/customers/{customer.pk}/grading/",
            )
            problem.save(update_fields=["deadline"])
    if severe:
        leaders = {u for role in rule.report_severe_to for u in people_with_role(role, near=None)}
        notify_many(
            [
                Notice(
                    recipient=leader,
                    kind="grading.severe_problem",
                    **stored_title(
                        deferred("客户问题造成重大损失或声誉损害:%(name)s", name=customer.name)
                    ),
                    body=description,
                    link=f"/customers/{customer.pk}/grading/",
                )
                for leader in sorted(leaders, key=lambda u: u.pk)
            ],
            policy=policy,
        )
    record(customer, "grading.problem", by=by, details={"kind": kind, "severe": severe})
    return problem


@transaction.atomic
def event_downgrade(
    *, by: User, customer_id: int, to: str, reason: str, policy: Policy, now: datetime
) -> GradeChange:
    """Lower the customer's level on the policy's axis (VIP → 优选 or 合格) at once; it
    closes the open downgrade deadline. Raising a level is a review's job, not this."""
    rule = _rule(policy)
    if not by.has_perm("grading.run_review"):
        raise PermissionDenied(_("您没有调整客户等级的权限"))
    customer = access_customer(by, customer_id)
    if not reason.strip():
        raise GradingError(_("请填写降级理由"), field="reason")
    order = _level_order(policy, rule.axis)
    standing = Standing.objects.select_for_update().filter(customer=customer).first()
    current = getattr(standing, rule.axis, "") if standing else ""
    if standing is None or to not in order or current not in order:
        raise GradingError(_("只能降到比当前更低的级别"), field="to")
    if order.index(to) <= order.index(current):
        raise GradingError(_("只能降到比当前更低的级别"), field="to")
    setattr(standing, rule.axis, to)
    standing.since, standing.policy_version = now, policy.policy.version
    standing.save()
    refresh_priorities(Standing.objects.filter(pk=standing.pk), policy)
    change = GradeChange.objects.create(
        customer=customer,
        axis=rule.axis,
        old=current,
        new=to,
        source=GradeChange.Source.EVENT,
        reason=reason.strip(),
        policy_version=policy.policy.version,
        by=by,
        at=now,
    )
    deadlines_close(subject=customer, now=now, rule=RULE)
    Problem.objects.filter(customer=customer, resolved_at__isnull=True).update(
        resolved_at=now, resolution=_("已降级为 %(to)s") % {"to": to}
    )
    record(customer, "grading.downgraded", by=by, details={"from": current, "to": to})
    return change
