"""The blacklist (GRD-8, s000 五 3(5)).

proposed ──verify──▶ submitted ──approve──▶ active ──(valid months pass)──▶ expired
    └─ not confirmed ─▶ rejected        └─ reject ─▶ rejected      expired ──approve──▶ readmitted

On entry the customer is blacklisted (no new orders or credit: zhike.trade.trading) and the
market and finance teams get collection deadlines for the arrears. After expiry the
customer comes back only by approval (and only when it passes admission again), at the
lowest level.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.archive.services import customer_set_blacklisted
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred, stored_title
from zhike.org.models import User
from zhike.org.selectors import holds_role, people_with_role
from zhike.policy.schema import Policy
from zhike.trade.metrics import Period, customer_figures
from zhike.workflow.approvals import approval_submit
from zhike.workflow.deadlines import deadline_open
from zhike.workflow.models import ApprovalRequest, Notice
from zhike.workflow.notify import notify_many

from .admission import admission_status
from .errors import Conflict, GradingError, PermissionDenied
from .models import BlacklistEntry, GradeChange, Standing
from .rules import months_before
from .treatment import refresh_priorities

ENTRY_KIND = "blacklist_entry"
REENTRY_KIND = "blacklist_reentry"
OPEN = (BlacklistEntry.State.PROPOSED, BlacklistEntry.State.SUBMITTED, BlacklistEntry.State.ACTIVE)


def _link(entry: BlacklistEntry) -> str:
    return f"/customers/{entry.customer_id}/grading/"


@transaction.atomic
def blacklist_propose(
    *, by: User, customer_id: int, reason: str, policy: Policy, now: datetime
) -> BlacklistEntry:
    """Anyone responsible for the customer may propose; the verifier is told."""
    customer = access_customer(by, customer_id)
    if not by.has_perm("grading.add_blacklistentry"):
        raise PermissionDenied(_("您没有提议列入黑名单的权限"))
    if not reason.strip():
        raise GradingError(_("请填写列入黑名单的理由"), field="reason")
    already = Conflict(_("该客户已在黑名单中或正在办理"))
    if BlacklistEntry.objects.filter(customer=customer, state__in=OPEN).exists():
        raise already
    with unique_or(already):  # two proposals at once: the constraint keeps one
        entry = BlacklistEntry.objects.create(
            customer=customer,
            reason=reason.strip(),
            proposed_by=by,
            proposed_at=now,
            valid_months=policy.grading.blacklist.valid_months,
        )
    verifiers = people_with_role(policy.grading.blacklist.verify_role, near=customer.department)
    notify_many(
        [
            Notice(
                recipient=v,
                kind="grading.blacklist_proposed",
                **stored_title(deferred("请核实:拟将客户列入黑名单 %(name)s", name=customer.name)),
                body=entry.reason,
                link=_link(entry),
            )
            for v in verifiers
        ],
        policy=policy,
    )
    record(customer, "grading.blacklist_proposed", by=by, details={"reason": entry.reason})
    return entry


@transaction.atomic
def blacklist_verify(
    *,
    by: User,
    entry_id: int,
    confirmed: bool,
    note: str,
    policy: Policy,
    now: datetime,
    valid_months: int | None = None,
) -> BlacklistEntry:
    """The verifier confirms (and sends it for approval, possibly with a shorter validity)
    or turns the proposal down."""
    rule = policy.grading.blacklist
    entry = BlacklistEntry.objects.select_for_update().select_related("customer").get(pk=entry_id)
    if not holds_role(by, [rule.verify_role]):
        raise PermissionDenied(_("黑名单需由指定角色核实"))
    if entry.state != BlacklistEntry.State.PROPOSED:
        raise GradingError(_("只有待核实的申请可以核实"))
    if not note.strip():
        raise GradingError(_("请填写核实意见"), field="note")
    months = valid_months or rule.valid_months
    if not 1 <= months <= rule.valid_months:
        raise GradingError(
            _("有效期为 1–%(max)s 个月(可缩短,不能延长)") % {"max": rule.valid_months},
            field="valid_months",
        )
    entry.verified_by, entry.verification, entry.valid_months = by, note.strip(), months
    if not confirmed:
        entry.state = BlacklistEntry.State.REJECTED
        entry.save()
        return entry
    entry.state = BlacklistEntry.State.SUBMITTED
    entry.save()
    approval_submit(
        kind=ENTRY_KIND,
        subject=entry,
        title=deferred("客户列入黑名单:%(name)s", name=entry.customer.name),
        by=by,
        policy=policy,
        now=now,
    )
    return entry


def on_entry_approved(request: ApprovalRequest, *, policy: Policy) -> None:
    entry = (
        BlacklistEntry.objects.select_for_update()
        .select_related("customer")
        .get(pk=request.object_id)
    )
    today = (request.decided_at or entry.proposed_at).date()
    customer = entry.customer
    entry.previous_status = customer.status
    entry.state = BlacklistEntry.State.ACTIVE
    entry.starts_on = today
    entry.ends_on = months_before(today, -entry.valid_months)
    figures = customer_figures(
        customer.pk, Period(date(1900, 1, 1), today), volume_unit=policy.grading.volume_unit
    )
    entry.arrears = max(figures.receivables, Decimal(0))
    entry.save()
    customer_set_blacklisted(customer_id=customer.pk, blacklisted=True, by=request.requester)
    if entry.arrears > 0:
        _open_collection(entry, policy=policy, now=request.decided_at or entry.proposed_at)


def _open_collection(entry: BlacklistEntry, *, policy: Policy, now: datetime) -> None:
    """s000: 市场管理部、财务部要及时向该客户催要其所欠公司的相关费用."""
    rule = policy.grading.blacklist
    for role in rule.collection_roles:
        people = people_with_role(role, near=entry.customer.department)
        if not people:
            continue
        deadline_open(
            title=deferred(
                "黑名单客户欠款催收:%(name)s,欠款 %(amount)s 元",
                name=entry.customer.name,
                amount=f"{entry.arrears:,.2f}",
            ),
            assignee=people[0],
            start=now,
            within=rule.collection_within,
            policy=policy,
            rule="blacklist_collection",
            subject=entry.customer,
            link=_link(entry),
        )


def on_entry_rejected(request: ApprovalRequest) -> None:
    BlacklistEntry.objects.filter(pk=request.object_id).update(state=BlacklistEntry.State.REJECTED)


def sweep_blacklist_expiry(*, today: date) -> int:
    """Daily: entries past their end date expire (set-based; safe to run twice)."""
    return BlacklistEntry.objects.filter(
        state=BlacklistEntry.State.ACTIVE, ends_on__lt=today
    ).update(state=BlacklistEntry.State.EXPIRED)


@transaction.atomic
def blacklist_shorten(
    *, by: User, entry_id: int, ends_on: date, reason: str, policy: Policy
) -> BlacklistEntry:
    """s000: 如有特殊情况可适当缩短有效期 — by the verifier's role, never lengthened."""
    if not holds_role(by, [policy.grading.blacklist.verify_role]):
        raise PermissionDenied(_("只有黑名单核实人可以缩短有效期"))
    entry = BlacklistEntry.objects.select_for_update().get(pk=entry_id)
    if entry.state != BlacklistEntry.State.ACTIVE or entry.ends_on is None:
        raise GradingError(_("只有生效中的黑名单可以缩短有效期"))
    if not reason.strip():
        raise GradingError(_("请填写缩短有效期的理由"), field="reason")
    if not (entry.starts_on or ends_on) <= ends_on < entry.ends_on:
        raise GradingError(_("新的到期日须早于原到期日,且不早于生效日"), field="ends_on")
    old = entry.ends_on
    entry.ends_on = ends_on
    entry.save(update_fields=["ends_on"])
    details = {"from": old, "to": ends_on, "reason": reason}
    record(entry.customer, "grading.blacklist_shortened", by=by, details=details)
    return entry


@transaction.atomic
def blacklist_readmit_request(
    *, by: User, entry_id: int, reason: str, policy: Policy, now: datetime
) -> BlacklistEntry:
    """After expiry, a customer whose situation changed may return: it must pass admission
    again, and the re-entry needs approval (s000)."""
    entry = BlacklistEntry.objects.select_for_update().select_related("customer").get(pk=entry_id)
    access_customer(by, entry.customer_id)
    if entry.state != BlacklistEntry.State.EXPIRED:
        raise GradingError(_("黑名单有效期届满后才能申请重新准入"))
    if not reason.strip():
        raise GradingError(_("请说明客户情况的重大变化"), field="reason")
    status = admission_status(entry.customer_id, policy)
    if not status.admitted:
        missing = "、".join(item.label for item in status.missing)
        raise GradingError(_("须先重新通过准入审核。未通过:%(items)s") % {"items": missing})
    entry.state = BlacklistEntry.State.READMITTING
    entry.readmit_reason = reason.strip()
    entry.save(update_fields=["state", "readmit_reason"])
    approval_submit(
        kind=REENTRY_KIND,
        subject=entry,
        title=deferred("黑名单客户重新准入:%(name)s", name=entry.customer.name),
        by=by,
        policy=policy,
        now=now,
    )
    return entry


def on_reentry_approved(request: ApprovalRequest, *, policy: Policy) -> None:
    """Back on the customer list, at the lowest level of each axis (s000: 定位于合格类客户)."""
    entry = BlacklistEntry.objects.select_for_update().get(pk=request.object_id)
    now = request.decided_at or entry.proposed_at
    entry.state = BlacklistEntry.State.READMITTED
    entry.save(update_fields=["state"])
    customer_set_blacklisted(
        customer_id=entry.customer_id,
        blacklisted=False,
        restore_to=entry.previous_status,
        by=request.requester,
    )
    rules = policy.grading
    lowest = {
        "grade": rules.score.lowest.key if rules.score else "",
        "tier": rules.tier.default.key if rules.tier else "",
    }
    standing, _created = Standing.objects.select_for_update().get_or_create(
        customer_id=entry.customer_id, defaults={"since": now}
    )
    for axis, value in lowest.items():
        if value and getattr(standing, axis) != value:
            GradeChange.objects.create(
                customer_id=entry.customer_id,
                axis=axis,
                old=getattr(standing, axis),
                new=value,
                source=GradeChange.Source.BLACKLIST,
                reason=_("黑名单到期后经审批重新准入,定位于最低级别"),
                policy_version=policy.policy.version,
                by=request.requester,
                at=now,
            )
            setattr(standing, axis, value)
    standing.since, standing.policy_version = now, policy.policy.version
    standing.save()
    refresh_priorities(Standing.objects.filter(pk=standing.pk), policy)


def on_reentry_rejected(request: ApprovalRequest) -> None:
    BlacklistEntry.objects.filter(pk=request.object_id).update(state=BlacklistEntry.State.EXPIRED)


def entries_of(customer_id: int) -> list[BlacklistEntry]:
    return list(BlacklistEntry.objects.filter(customer_id=customer_id)[:20])
