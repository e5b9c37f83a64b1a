"""Reads of ownership: the pool, my customers by days left, a customer's history, the
customers a manager may reassign (OWN-3). Always through the user's scope or pools."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import router
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from zhike.archive.models import CONTACT_CLOCK, Customer, OwnershipChange
from zhike.archive.selectors import access_customer, customers_for
from zhike.compiled import CompiledQuery
from zhike.grading.models import Standing
from zhike.grading.selectors import standing_of
from zhike.org.models import User
from zhike.policy.schema import Policy

from .errors import NotFound, PermissionDenied
from .models import Lock, Pool
from .pools import in_pool, pools_of
from .services import ASSIGN, CLAIM


def my_pools(user: User) -> list[Pool]:
    return list(pools_of(user).order_by("code"))


def pool_customers(user: User, *, pool_code: str, policy: Policy) -> QuerySet[Customer]:
    """One of the user's pools, newest in the pool first (its entry's time, else the
    record's). Each row carries ``pool_since``, ``pool_reason`` and ``pool_claimable``."""
    if not (user.has_perm(CLAIM) or user.has_perm(ASSIGN)):
        raise PermissionDenied(_("您没有查看公海的权限"))
    pool = pools_of(user).filter(code=pool_code).first()
    if pool is None:
        raise NotFound(_("公海不存在或您不是其成员"))
    return (
        in_pool(pool, policy.ownership)
        .select_related("pool_entry", "pool_entry__previous_owner")
        .order_by(F("pool_entry__since").desc(nulls_last=True), "-id")
    )


@dataclass(frozen=True)
class Keeping:
    """One of my customers and how long it is kept (OWN-1): days left, and the rule."""

    customer: Customer
    clock: datetime
    days_left: int | None
    rule: str
    locked: bool


def days_left(clock: datetime, lapse_days: int, now: datetime) -> int:
    """Whole days until ``clock + lapse_days`` (0: lapses at the next sweep)."""
    return max(0, (clock + timedelta(days=lapse_days) - now).days)


def my_keeping(user: User, *, policy: Policy, now: datetime, limit: int = 50) -> list[Keeping]:
    """The user's own customers, the longest without contact first: the ones about to go
    back to the pool, with the days left (one index range on (owner, clock))."""
    rows = (
        Customer.objects.filter(owner=user, merged_into__isnull=True)
        .annotate(clock=CONTACT_CLOCK)
        .select_related("standing", "lock")
        .order_by(CONTACT_CLOCK.asc(), "pk")[:limit]
    )
    return [
        _keeping(
            customer,
            customer.clock,
            policy,
            now,
            standing=getattr(customer, "standing", None),
            locked=getattr(customer, "lock", None) is not None,
        )
        for customer in rows
    ]


def keeping_of(
    customer: Customer, *, policy: Policy, now: datetime, standing: Standing | None = None
) -> Keeping | None:
    """How long this customer is kept by its owner (None: in the pool). ``standing``:
    the customer's grade and tier when the caller has read them already."""
    if customer.owner_id is None or customer.owned_since is None:
        return None
    clock = max(customer.owned_since, customer.last_contact_at or customer.owned_since)
    locked = bool(_LOCKED.rows(router.db_for_read(Lock), customer=customer.pk))
    if standing is None:
        standing = standing_of(customer.pk)
    return _keeping(customer, clock, policy, now, standing=standing, locked=locked)


# Compiled once: the 360° page asks it of every customer it shows.
_LOCKED = CompiledQuery(
    lambda customer: Lock.objects.filter(customer_id=customer).values_list("pk")[:1],
    ids=("customer",),
)


def _keeping(
    customer: Customer,
    clock: datetime,
    policy: Policy,
    now: datetime,
    *,
    standing: Standing | None,
    locked: bool,
) -> Keeping:
    rules = policy.ownership
    lapse, _deal, _pool = rules.keep_for(
        {"grade": standing.grade, "tier": standing.tier} if standing else {}
    )
    left: int | None = None
    if not rules.enabled or not lapse:
        rule = _("不按联系收回")
    elif locked:
        rule = _("已锁定")
    elif customer.status in rules.exempt_statuses:
        rule = _("成交客户不收回")
    else:
        left = days_left(clock, lapse, now)
        rule = _("连续 %(days)s 天无有效联系退回公海") % {"days": lapse}
    return Keeping(customer, clock, left, rule, locked)


def history_of(user: User, customer_id: int) -> QuerySet[OwnershipChange]:
    """The customer's ownership history, newest first (OWN-8), if the user may see it."""
    access_customer(user, customer_id)
    return OwnershipChange.objects.filter(customer_id=customer_id).select_related(
        "from_user", "to_user", "by"
    )


def my_history(user: User) -> QuerySet[OwnershipChange]:
    """What the user gained and lost, newest first."""
    return (
        OwnershipChange.objects.filter(Q(from_user=user) | Q(to_user=user))
        .select_related("customer", "from_user", "to_user", "by")
        .order_by("-at", "-id")
    )


def days_owned(user: User, customer_id: int, now: datetime) -> int | None:
    """Days the current owner has held the customer, from the history's last change of
    owner (not from the record's last edit)."""
    customer = access_customer(user, customer_id)
    if customer.owned_since is None:
        return None
    return (now - customer.owned_since).days


def is_locked(customer_id: int) -> Lock | None:
    return Lock.objects.filter(customer_id=customer_id).select_related("by").first()


def reassignable(user: User, *, policy: Policy, now: datetime) -> QuerySet[Customer]:
    """OWN-3 s003-20: customers in the user's scope not served for ``reassign_after_days``
    (no invitation, visit or call: no qualifying contact), the longest first."""
    days = policy.ownership.reassign_after_days
    if not days:
        return Customer.objects.none()
    return (
        customers_for(user)
        .filter(owner__isnull=False)
        .annotate(clock=CONTACT_CLOCK)
        .filter(clock__lt=now - timedelta(days=days))
        .select_related("owner")
        .order_by("clock", "pk")
    )
