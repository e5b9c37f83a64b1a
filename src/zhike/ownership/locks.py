"""Locks (锁定): a customer its owner keeps whatever the lapse rules say, with the reason,
within the owner's cap; unlocking. Each writes its history row and audit event."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhike.archive.models import OwnershipKind
from zhike.archive.selectors import customers_for
from zhike.org.models import User
from zhike.policy.schema import Policy

from .errors import CustomerNotFound, OwnershipError, PermissionDenied
from .models import Lock
from .services import ASSIGN, LOCK, lock_quota, record_events, record_history


@transaction.atomic
def customer_lock(
    *, by: User, customer_id: int, reason: str, policy: Policy, now: datetime
) -> Lock:
    """锁定: the customer is kept whatever the lapse rules say, within the owner's cap."""
    reason = reason.strip()
    if not reason:
        raise OwnershipError(_("请填写锁定原因"), rule="reason")
    customer = customers_for(by).filter(pk=customer_id).select_related("owner").first()
    if customer is None:
        raise CustomerNotFound()
    if customer.owner is None:
        raise OwnershipError(_("公海客户不能锁定,请先领取"), rule="ownership.lock")
    if not ((customer.owner_id == by.pk and by.has_perm(LOCK)) or by.has_perm(ASSIGN)):
        raise PermissionDenied(_("只有负责人或有分配权限的管理人员可以锁定该客户"))
    lock_quota(customer.owner)
    cap = policy.ownership.max_locked
    if cap and Lock.objects.filter(customer__owner=customer.owner).count() >= cap:
        raise OwnershipError(
            _("锁定客户已达上限(%(max)s 个)") % {"max": cap}, rule="ownership.max_locked"
        )
    try:
        with transaction.atomic():
            lock = Lock.objects.create(customer=customer, by=by, reason=reason[:200], at=now)
    except IntegrityError:
        raise OwnershipError(_("该客户已锁定"), rule="ownership.lock") from None
    record_history(
        [(customer_id, customer.owner_id)],
        kind=OwnershipKind.LOCKED,
        to_user=customer.owner,
        by=by,
        now=now,
        reason=reason,
        policy=policy,
    )
    record_events([customer_id], "ownership.locked", by=by, details={"reason": reason})
    return lock


@transaction.atomic
def customer_unlock(*, by: User, customer_id: int, policy: Policy, now: datetime) -> None:
    customer = customers_for(by).filter(pk=customer_id).select_related("owner").first()
    if customer is None:
        raise CustomerNotFound()
    if not ((customer.owner_id == by.pk and by.has_perm(LOCK)) or by.has_perm(ASSIGN)):
        raise PermissionDenied(_("只有负责人或有分配权限的管理人员可以解锁该客户"))
    if not Lock.objects.filter(customer_id=customer_id).delete()[0]:
        raise OwnershipError(_("该客户未锁定"), rule="ownership.lock")
    record_history(
        [(customer_id, customer.owner_id)],
        kind=OwnershipKind.UNLOCKED,
        to_user=customer.owner,
        by=by,
        now=now,
        reason="",
        policy=policy,
    )
    record_events([customer_id], "ownership.unlocked", by=by, details={})
