"""Special credit terms (issue 16 item 3, s004; s003-12 1.4.2 longer terms): a limit above
the formula's, a payment term longer than the usual (its invoices fall due later and the
limit's rolling window widens to it), or both, for one customer until a day; asked for by
its salesperson with a reason, approved by the vice president ([approvals.credit_terms]);
while in force the limit of the shipping check is the higher of the two."""

from datetime import date, datetime
from decimal import Decimal

from django.db import router, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.compiled import CompiledQuery
from zhike.db import unique_or
from zhike.deferred import Deferred, deferred
from zhike.errors import Conflict, PermissionDenied
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.approvals import ApprovalRequest, approval_submit

from .errors import CreditError
from .models import SpecialTerms

APPROVAL_KIND = "credit_terms"
ASK = "credit.add_shipment"  # who ships for the customer asks for its terms


def terms_in_force(customer_id: int, day: date) -> SpecialTerms | None:
    """The approved terms the customer has on ``day`` (the latest ending), if any."""
    using = router.db_for_read(SpecialTerms)
    return _IN_FORCE.instance(SpecialTerms, using, customer=customer_id, day=day)


def _in_force(*, customer: int, day: date) -> QuerySet[SpecialTerms]:
    return SpecialTerms.objects.filter(
        customer_id=customer,
        state=SpecialTerms.State.APPROVED,
        valid_until__gte=day,
        decided_at__date__lte=day,
    ).order_by("-valid_until", "-pk")[:1]


# Compiled once: every credit check and the 360° page read it.
_IN_FORCE = CompiledQuery(_in_force, ids=("customer",), dates=("day",))


@transaction.atomic
def terms_request(
    *,
    by: User,
    customer_id: int,
    limit: Decimal | None,
    valid_until: date,
    reason: str,
    policy: Policy,
    now: datetime,
    payment_days: int | None = None,
) -> SpecialTerms:
    """Ask for a limit above the formula's, a longer payment term, or both, until a day."""
    if not by.has_perm(ASK):
        raise PermissionDenied(_("您没有为客户申请特殊信用协议的权限"))
    customer = access_customer(by, customer_id)
    if not policy.credit.enabled:
        raise CreditError(_("管理制度未启用授信管理"), field="policy")
    errors = []
    if limit is None and payment_days is None:
        errors.append(("limit", _("请填写特批授信额或款期")))
    if limit is not None and not 0 < limit < Decimal("1e14"):
        errors.append(("limit", _("特批授信额须大于 0")))
    usual = policy.trade.payment_days
    if payment_days is not None and not usual < payment_days <= 365:
        errors.append(("payment_days", _("款期须长于通常的 %(n)s 天,最长 365 天") % {"n": usual}))
    if valid_until <= now.date():
        errors.append(("valid_until", _("有效期须晚于今天")))
    if not reason.strip():
        errors.append(("reason", _("请写明申请理由")))
    if errors:
        raise CreditError.of_fields(errors)
    with unique_or(Conflict(_("该客户已有审批中的特殊信用协议"))):
        terms = SpecialTerms.objects.create(
            customer=customer,
            limit=limit,
            payment_days=payment_days,
            valid_until=valid_until,
            reason=reason.strip()[:300],
            requested_by=by,
            requested_at=now,
            policy_version=policy.policy.version,
        )
    approval_submit(
        kind=APPROVAL_KIND,
        subject=terms,
        title=_title(customer.name, limit, payment_days),
        by=by,
        policy=policy,
        now=now,
        amount=limit,
    )
    details = {"limit": str(limit), "payment_days": payment_days, "until": str(valid_until)}
    record(customer, "credit.terms_requested", by=by, details=details)
    return terms


def _title(customer: str, limit: Decimal | None, days: int | None) -> Deferred:
    if limit is not None and days is not None:
        return deferred(
            "特殊信用协议:%(customer)s 授信 %(limit)s 元,款期 %(days)s 天",
            customer=customer,
            limit=str(limit),
            days=days,
        )
    if days is not None:
        return deferred("特殊信用协议:%(customer)s 款期 %(days)s 天", customer=customer, days=days)
    return deferred(
        "特殊信用协议:%(customer)s 授信 %(limit)s 元", customer=customer, limit=str(limit)
    )


def on_terms_approved(request: ApprovalRequest) -> None:
    SpecialTerms.objects.filter(pk=request.object_id, state=SpecialTerms.State.PENDING).update(
        state=SpecialTerms.State.APPROVED, decided_at=request.decided_at or request.created_at
    )


def on_terms_refused(request: ApprovalRequest) -> None:
    SpecialTerms.objects.filter(pk=request.object_id, state=SpecialTerms.State.PENDING).update(
        state=SpecialTerms.State.REJECTED, decided_at=request.decided_at or request.created_at
    )
