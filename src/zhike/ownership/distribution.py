"""Distributing a pool's customers (issue 14 item 6): round-robin among the pool's members
who serve customers, weighted by what each may still take (``max_owned`` minus owned),
skipping those away (an ORG-3 delegation covers now). Each customer goes through the same
compare-and-set assignment as a manager's, with its history row."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.policy.schema import Policy
from zhike.workflow.models import Delegation

from .errors import NotFound, OwnershipError, PermissionDenied
from .models import Pool
from .pools import in_pool
from .services import ASSIGN, BATCH, CLAIM, customers_assign, owned_count


def _members(pool: Pool, by: User, now: datetime) -> list[User]:
    """Active members of the pool within ``by``'s scope who serve customers and are not
    away now."""
    people = users_in_scope(by)
    if pool.departments.exists():
        paths = list(pool.departments.values_list("path", flat=True))
        under = Q()
        for path in paths:
            under |= Q(department__path__startswith=path)
        people = people.filter(under | Q(pk__in=pool.members.values("pk")))
    away = Delegation.objects.filter(starts_at__lte=now, ends_at__gt=now).values("absent_id")
    people = people.exclude(pk__in=away)
    return [p for p in people.order_by("pk") if p.has_perm(CLAIM)]


def plan_shares(capacities: dict[int, int | None], count: int) -> list[int]:
    """The receivers of ``count`` customers, in turn: each round gives one to everyone
    who has room left (None: no cap), so shares follow remaining capacity."""
    left = dict(capacities)
    order: list[int] = []
    while len(order) < count:
        round_ = [pk for pk, room in left.items() if room is None or room > 0]
        if not round_:
            break
        for pk in round_:
            if len(order) == count:
                break
            order.append(pk)
            if left[pk] is not None:
                left[pk] = left[pk] - 1  # type: ignore[operator]
    return order


def pool_distribute(
    *, by: User, pool_code: str, count: int, reason: str, policy: Policy, now: datetime
) -> dict[int, int]:
    """Give up to ``count`` of the pool's customers (oldest in the pool first) to its
    members in turn; returns how many each received."""
    if not by.has_perm(ASSIGN):
        raise PermissionDenied(_("您没有分配客户的权限"))
    if not 1 <= count <= BATCH:
        raise OwnershipError(_("一次最多分配 %(max)s 个客户") % {"max": BATCH}, rule="count")
    pool = Pool.objects.filter(code=pool_code, active=True).first()
    if pool is None:
        raise NotFound(_("公海不存在或您不是其成员"))
    cap = policy.ownership.max_owned
    capacities = {
        m.pk: (max(0, cap - owned_count(m)) if cap else None) for m in _members(pool, by, now)
    }
    if not capacities:
        raise OwnershipError(_("该公海没有可接收客户的在岗成员"), rule="ownership.distribute")
    ids = list(
        in_pool(pool, policy.ownership)
        .order_by("pool_entry__since", "pk")
        .values_list("pk", flat=True)[:count]
    )
    turns = plan_shares(capacities, len(ids))
    given: dict[int, list[int]] = {}
    for customer_id, receiver in zip(ids, turns, strict=False):
        given.setdefault(receiver, []).append(customer_id)
    for receiver, customer_ids in given.items():
        customers_assign(
            by=by,
            customer_ids=customer_ids,
            to_user_id=receiver,
            reason=reason or _("公海轮流分配"),
            policy=policy,
            now=now,
        )
    return {receiver: len(customer_ids) for receiver, customer_ids in given.items()}
