"""Claims, releases, assignments and locks (OWN-1, OWN-3, OWN-4, OWN-8, ARC-8): the only
code that changes a customer's owner after registration.

Every change is a compare-and-set on the owner it read (``UPDATE … WHERE owner_id IS
NULL`` for a claim), so two people never both win; caps are counted under a lock on the
claimant's own ``Quota`` row, so one person's parallel claims are counted one at a time.
Each change writes its ``OwnershipChange`` row and an audit event in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import Customer, CustomerTally, OwnershipChange, OwnershipKind
from zhike.archive.relatives import has_relatives, relatives_group
from zhike.archive.selectors import customers_for
from zhike.audit.models import Event
from zhike.db import insert_rows
from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.policy.schema import Policy
from zhike.workflow.deadlines import deadlines_hand_over

from .claim_at_once import claim_at_once
from .errors import CustomerNotFound, OwnershipError, PermissionDenied, Taken
from .models import Lock, Pool, PoolEntry, Quota
from .pools import pool_of_customer, pool_of_department, pools_of

CLAIM = "ownership.claim_customer"
ASSIGN = "ownership.assign_customer"
LOCK = "ownership.lock_customer"
BATCH = 2000  # customers per statement of a bulk transfer


@dataclass(frozen=True)
class Claimed:
    """The outcome of a claim: who owns the customer now, and why if not the claimant."""

    customer: Customer
    owner: User
    reason: str = ""


def lock_quota(user: User) -> None:
    """Serialise ``user``'s own claims and assignments: SELECT … FOR UPDATE on its row."""
    Quota.objects.bulk_create([Quota(user=user)], ignore_conflicts=True)
    Quota.objects.select_for_update().get(user=user)


def owned_count(user: User) -> int:
    """Live customers ``user`` owns, from the trigger-kept tallies (no count of 300,000)."""
    total = CustomerTally.objects.filter(owner_key=user.pk).aggregate(n=Sum("live"))["n"]
    return int(total or 0)


def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _check_caps(
    user: User, *, adding: int, claiming: bool, policy: Policy, now: datetime, written: int = 0
) -> None:
    """The per-person caps, read under the user's quota lock; ``written`` of the ``adding``
    are in the counts already (a claim made at once, claim_at_once)."""
    rules = policy.ownership
    if rules.max_owned and owned_count(user) - written + adding > rules.max_owned:
        raise OwnershipError(
            _("已达到可拥有客户数上限(%(max)s 个)") % {"max": rules.max_owned},
            rule="ownership.max_owned",
        )
    if claiming and rules.claims_per_day:
        today = (
            OwnershipChange.objects.filter(
                to_user=user, kind=OwnershipKind.CLAIMED, at__gte=_day_start(now)
            ).count()
            - written
        )
        if today + adding > rules.claims_per_day:
            raise OwnershipError(
                _("今天已领取 %(count)s 个客户,达到每日上限") % {"count": today},
                rule="ownership.claims_per_day",
            )


def _check_cooldown(user: User, customer_id: int, *, policy: Policy, now: datetime) -> None:
    """The previous owner may not take the customer back within ``cooldown_days`` of
    losing it: read from the history, not from the customer's last edit."""
    days = policy.ownership.cooldown_days
    if not days:
        return
    lost = (
        OwnershipChange.objects.filter(from_user=user, customer_id=customer_id)
        .exclude(to_user=user)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if lost is not None and lost > now - timedelta(days=days):
        free = timezone.localtime(lost + timedelta(days=days))
        raise OwnershipError(
            _("您在 %(days)s 天内失去过该客户,%(time)s 后才能重新领取")
            % {"days": days, "time": free.strftime("%Y-%m-%d %H:%M")},
            rule="ownership.cooldown_days",
        )


SMALL = 50  # below this many rows an INSERT costs less than setting up a COPY


def _insert(
    model: type[Event] | type[OwnershipChange] | type[PoolEntry],
    rows: list[dict],
    *,
    with_pk: bool = False,
) -> None:
    if len(rows) < SMALL:
        model.objects.bulk_create([model(**row) for row in rows])  # type: ignore[misc]
    else:
        insert_rows(model, rows, with_pk=with_pk)


def record_events(customer_ids: list[int], action: str, *, by: User | None, details: dict) -> None:
    content_type = ContentType.objects.get_for_model(Customer)
    _insert(
        Event,
        [
            {
                "actor_id": by.pk if by is not None else None,
                "action": action,
                "content_type_id": content_type.pk,
                "object_id": pk,
                "details": details,
            }
            for pk in customer_ids
        ],
    )


def record_history(
    rows: Sequence[tuple[int, int | None]],
    *,
    kind: str,
    to_user: User | None,
    by: User | None,
    now: datetime,
    reason: str,
    policy: Policy,
    rule: str = "",
    pool: str = "",
) -> None:
    """One OwnershipChange per (customer id, previous owner id)."""
    _insert(
        OwnershipChange,
        [
            {
                "customer_id": pk,
                "kind": kind,
                "from_user_id": from_id,
                "to_user_id": to_user.pk if to_user is not None else None,
                "by_id": by.pk if by is not None else None,
                "at": now,
                "reason": reason[:200],
                "rule": rule,
                "pool": pool,
                "policy_version": policy.policy.version,
            }
            for pk, from_id in rows
        ],
    )


def _take(customer_id: int, owner: User, *, now: datetime) -> bool:
    """The compare-and-set of a claim: only a customer still without owner is taken."""
    return bool(
        Customer.objects.filter(
            pk=customer_id, owner__isnull=True, merged_into__isnull=True
        ).update(
            owner=owner,
            department_id=owner.department_id,
            owned_since=now,
            lapse_warned_at=None,
            updated_at=now,
            version=F("version") + 1,
        )
    )


def _relatives_owner(customer_id: int) -> User | None:
    """The owner of the customer's relatives (not of the customer itself): the owner of
    the one registered first, as ``archive.relatives.group_owner`` decides."""
    others = relatives_group(customer_id) - {customer_id}
    if not others:
        return None
    first = (
        Customer.objects.filter(pk__in=others, owner__isnull=False, merged_into__isnull=True)
        .select_related("owner")
        .order_by("created_at", "id")
        .first()
    )
    return first.owner if first else None


def _left_a_pool(customer_id: int) -> bool:
    """Whether the customer's last change of owner took it out of a pool: the loser of a
    race is told it was taken (and nothing else: no name, no owner), while a customer that
    never was in a pool stays "not found" to anyone outside its scope."""
    last = (
        OwnershipChange.objects.filter(customer_id=customer_id)
        .exclude(kind__in=[OwnershipKind.LOCKED, OwnershipKind.UNLOCKED])
        .order_by("-at", "-id")
        .values_list("kind", "from_user_id")
        .first()
    )
    return last is not None and last[1] is None and last[0] != OwnershipKind.REGISTERED


def _taken(customer_id: int, owner: User, *, now: datetime) -> Customer:
    """The customer a claim took, as known without reading it (its other fields are read
    when first asked for, as a deferred field is)."""
    known: dict[str, object] = {
        "id": customer_id,
        "owner_id": owner.pk,
        "department_id": owner.department_id,
        "owned_since": now,
    }
    fields = [f.attname for f in Customer._meta.concrete_fields if f.attname in known]
    customer = Customer.from_db(connection.alias, fields, [known[name] for name in fields])
    customer.owner = owner
    return customer


@transaction.atomic
def customer_claim(*, by: User, customer_id: int, policy: Policy, now: datetime) -> Claimed:
    """领取 (OWN-4): take a customer from a pool ``by`` belongs to.

    Refusals name their rule and change nothing; a customer outside the claimant's pools
    and scope is "not found", whatever its state, so a claim never tells whose it is."""
    if not by.has_perm(CLAIM):
        raise PermissionDenied(_("您没有领取公海客户的权限"))
    rules = policy.ownership
    if rules.max_owned or rules.claims_per_day:  # counted one claim at a time per person
        lock_quota(by)
    if connection.vendor == "postgresql" and claim_at_once(
        by=by, customer_id=customer_id, policy=policy, now=now
    ):
        # Taken, as the checks below would have let it be; those that read the history
        # and the counts refuse it now, and the refusal rolls the claim back.
        _check_cooldown(by, customer_id, policy=policy, now=now)
        _check_caps(by, adding=1, claiming=True, policy=policy, now=now, written=1)
        return Claimed(_taken(customer_id, by, now=now), by)
    customer = (
        Customer.objects.filter(pk=customer_id, merged_into__isnull=True)
        .select_related("pool_entry__pool")
        # Only what the claim reads; the caller is given the id (fewer columns to send,
        # decode and build: the claim is CPU-bound, bench/ownership_sweep.py).
        .only(
            "owner",
            "department",
            "owned_since",
            "pool_entry__claimable_from",
            "pool_entry__pool__code",
            "pool_entry__pool__name",
        )
        .annotate(
            has_relatives=has_relatives(),  # most have none: no walk of the group
            in_my_pool=Exists(pools_of(by).filter(pk=OuterRef("pool_entry__pool"))),
        )
        .first()
    )
    if customer is None:
        raise CustomerNotFound()
    if customer.owner_id is not None:
        if customer.owner_id == by.pk:
            raise OwnershipError(_("您已是该客户的负责人"), rule="ownership.claim")
        if customers_for(by).filter(pk=customer_id).exists() or _left_a_pool(customer_id):
            raise Taken(_("该客户已被领取"))
        raise CustomerNotFound()
    pool = pool_of_customer(customer, policy.ownership)
    entry = getattr(customer, "pool_entry", None)
    mine = customer.in_my_pool if entry is not None else pools_of(by).filter(pk=pool.pk).exists()
    if not mine:
        raise CustomerNotFound()
    if entry is not None and entry.claimable_from > now:
        free = timezone.localtime(entry.claimable_from).strftime("%Y-%m-%d %H:%M")
        raise OwnershipError(
            _("该客户刚进入公海,%(time)s 后才能领取") % {"time": free},
            rule="ownership.embargo_hours",
        )
    _check_cooldown(by, customer_id, policy=policy, now=now)

    # ARC-8 (s000 销售部 3): a direct relative of another salesperson's customer is that
    # salesperson's customer.
    relative_owner = (
        _relatives_owner(customer_id)
        if customer.has_relatives and policy.ownership.relatives != "ignore"
        else None
    )
    if relative_owner is not None and relative_owner.pk != by.pk:
        if policy.ownership.relatives == "refuse" or not relative_owner.is_active:
            raise OwnershipError(
                _("该客户的直系亲属已由其他业务员登记,按制度视为同一客户,不能领取"),
                rule="ownership.relatives",
            )
        reason = _("直系亲属已是该业务员的客户(视为同一客户)")
        _move(
            [(customer_id, None)],
            to_user=relative_owner,
            by=by,
            kind=OwnershipKind.ASSIGNED,
            reason=reason,
            rule="ownership.relatives",
            policy=policy,
            now=now,
        )
        customer.refresh_from_db()
        return Claimed(customer, relative_owner, reason)

    _check_caps(by, adding=1, claiming=True, policy=policy, now=now)
    # The compare-and-set comes last: its UPDATE also moves the customer tallies' rows
    # (kept by triggers), which every claim from the same pool touches. Taken last, their
    # lock is held only until commit, not through the writes below (measured: 8 parallel
    # claimants queued on it, p50 270 ms; bench/ownership_sweep.py). A lost race raises
    # and rolls the writes back.
    PoolEntry.objects.filter(customer_id=customer_id).delete()
    record_history(
        [(customer_id, None)],
        kind=OwnershipKind.CLAIMED,
        to_user=by,
        by=by,
        now=now,
        reason="",
        policy=policy,
        pool=pool.code,
    )
    record_events([customer_id], "ownership.claimed", by=by, details={"pool": pool.code})
    deadlines_hand_over(model=Customer, object_ids=[customer_id], to_user_id=by.pk)
    if not _take(customer_id, by, now=now):
        raise Taken(_("该客户已被领取"))
    customer.owner, customer.department_id, customer.owned_since = by, by.department_id, now
    return Claimed(customer, by)


def put_in_pool(
    rows: list[tuple[int, int | None]],
    *,
    pool: Pool,
    by: User | None,
    kind: str,
    reason: str,
    rule: str,
    policy: Policy,
    now: datetime,
) -> None:
    """Record customers already set free (owner NULL) as in ``pool``: entries, history,
    audit; their open to-dos go to the pool's first admin. Follow-ups, plans and history
    stay with the customer."""
    embargo = now + timedelta(hours=policy.ownership.embargo_hours)
    ids = [pk for pk, _owner in rows]
    PoolEntry.objects.filter(customer_id__in=ids).delete()
    # By COPY for a sweep's batches (the entry's key is the customer's id): a model
    # instance per row cost more than the row.
    entry = {"pool_id": pool.pk, "since": now, "reason": reason[:200], "claimable_from": embargo}
    _insert(
        PoolEntry,
        [{"customer_id": pk, "previous_owner_id": owner, **entry} for pk, owner in rows],
        with_pk=True,
    )
    Lock.objects.filter(customer_id__in=ids).delete()
    record_history(
        rows,
        kind=kind,
        to_user=None,
        by=by,
        now=now,
        reason=reason,
        policy=policy,
        rule=rule,
        pool=pool.code,
    )
    record_events(ids, f"ownership.{kind}", by=by, details={"pool": pool.code, "reason": reason})
    admin = pool.admins.filter(is_active=True).order_by("pk").first()
    deadlines_hand_over(model=Customer, object_ids=ids, to_user_id=admin.pk if admin else None)


@transaction.atomic
def customer_release(
    *, by: User, customer_id: int, reason: str, policy: Policy, now: datetime
) -> Pool:
    """退回公海 / 收回: the owner gives a customer back, or a manager takes it back."""
    reason = reason.strip()
    if not reason:
        raise OwnershipError(_("请填写退回公海的原因"), rule="reason")
    customer = customers_for(by).filter(pk=customer_id).select_for_update(of=("self",)).first()
    if customer is None:
        raise CustomerNotFound()
    if customer.owner_id is None:
        raise OwnershipError(_("该客户已在公海"), rule="ownership.release")
    if customer.owner_id != by.pk and not by.has_perm(ASSIGN):
        raise PermissionDenied(_("只有负责人或有分配权限的管理人员可以退回该客户"))
    owner_id = customer.owner_id
    pool = pool_of_department(customer.department_id, policy.ownership)
    freed = Customer.objects.filter(pk=customer_id, owner_id=owner_id).update(
        owner=None,
        owned_since=None,
        lapse_warned_at=None,
        updated_at=now,
        version=F("version") + 1,
    )
    if not freed:
        raise Taken(_("该客户刚被他人改动,请刷新后重试"))
    put_in_pool(
        [(customer_id, owner_id)],
        pool=pool,
        by=by,
        kind=OwnershipKind.RELEASED,
        reason=reason,
        rule="",
        policy=policy,
        now=now,
    )
    return pool


def _move(
    rows: Sequence[tuple[int, int | None]],
    *,
    to_user: User,
    by: User,
    kind: str,
    reason: str,
    rule: str,
    policy: Policy,
    now: datetime,
) -> int:
    """Give these customers (locked by the caller, with the owners read) to ``to_user``:
    compare-and-set per previous owner, then history, audit and their open to-dos."""
    by_owner: dict[int | None, list[int]] = {}
    for pk, owner in rows:
        by_owner.setdefault(owner, []).append(pk)
    moved: list[tuple[int, int | None]] = []
    for owner, ids in by_owner.items():
        still = Q(owner__isnull=True) if owner is None else Q(owner_id=owner)
        count = Customer.objects.filter(still, pk__in=ids, merged_into__isnull=True).update(
            owner=to_user,
            department_id=to_user.department_id,
            owned_since=now,
            lapse_warned_at=None,
            updated_at=now,
            version=F("version") + 1,
        )
        if count != len(ids):
            raise Taken(_("有客户刚被他人改动,请刷新后重试"))
        moved += [(pk, owner) for pk in ids]
    ids = [pk for pk, _owner in moved]
    PoolEntry.objects.filter(customer_id__in=ids).delete()
    record_history(
        moved, kind=kind, to_user=to_user, by=by, now=now, reason=reason, policy=policy, rule=rule
    )
    record_events(ids, f"ownership.{kind}", by=by, details={"to": to_user.pk, "reason": reason})
    deadlines_hand_over(model=Customer, object_ids=ids, to_user_id=to_user.pk)
    return len(moved)


def _assignable(by: User) -> QuerySet[Customer]:
    """Customers ``by`` may assign: those in its data scope (owned or not) and those in
    the pools it belongs to."""
    pools = list(pools_of(by).values_list("pk", flat=True))
    return Customer.objects.filter(
        Q(pk__in=customers_for(by).values("pk"))
        | Q(owner__isnull=True, pool_entry__pool__in=pools)
        | Q(owner__isnull=True, pool_entry__isnull=True),
        merged_into__isnull=True,
    )


def _check_recipient(by: User, to_user_id: int) -> User:
    to_user = users_in_scope(by).filter(pk=to_user_id).first()
    if to_user is None:
        raise OwnershipError(_("只能分配给您管辖范围内在职的人员"), rule="ownership.assign.to_user")
    if not to_user.has_perm(CLAIM):
        raise OwnershipError(
            _("%(name)s 不负责客户(没有领取客户的权限)") % {"name": to_user},
            rule="ownership.assign.to_user",
        )
    return to_user


@transaction.atomic
def customers_assign(
    *,
    by: User,
    customer_ids: list[int],
    to_user_id: int,
    reason: str,
    policy: Policy,
    now: datetime,
) -> int:
    """分配 / 转移 (OWN-3, OWN-8): a manager gives customers — from the pool or from
    another salesperson — to ``to_user``, with the reason. All or nothing."""
    if not by.has_perm(ASSIGN):
        raise PermissionDenied(_("您没有分配客户的权限"))
    reason = reason.strip()
    if not reason:
        raise OwnershipError(_("请填写分配或转移的原因"), rule="reason")
    ids = sorted(set(customer_ids))
    if not ids:
        raise OwnershipError(_("请选择客户"), rule="customer_ids")
    if len(ids) > BATCH:
        raise OwnershipError(_("一次最多分配 %(max)s 个客户") % {"max": BATCH}, rule="customer_ids")
    to_user = _check_recipient(by, to_user_id)
    rows = list(
        _assignable(by)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    if len(rows) != len(ids):
        raise CustomerNotFound()
    rows = [(pk, owner) for pk, owner in rows if owner != to_user.pk]
    if not rows:
        return 0
    lock_quota(to_user)
    _check_caps(to_user, adding=len(rows), claiming=False, policy=policy, now=now)
    count = 0
    # From the pool it is an assignment, from a person a transfer: one history kind each.
    for kind, part in (
        (OwnershipKind.ASSIGNED, [r for r in rows if r[1] is None]),
        (OwnershipKind.TRANSFERRED, [r for r in rows if r[1] is not None]),
    ):
        if part:
            count += _move(
                part,
                to_user=to_user,
                by=by,
                kind=kind,
                reason=reason,
                rule="",
                policy=policy,
                now=now,
            )
    return count


def customers_hand_over(
    *, by: User, from_user_id: int, to_user_id: int, reason: str, policy: Policy, now: datetime
) -> int:
    """离职交接: every customer of ``from_user`` that ``by`` may see goes to ``to_user``,
    one transaction per 2,000 (a salesperson with 300,000 customers is not one lock)."""
    if from_user_id == to_user_id:
        raise OwnershipError(_("交接双方不能是同一人"), rule="to_user_id")
    if not by.has_perm(ASSIGN):
        raise PermissionDenied(_("您没有分配客户的权限"))
    _check_recipient(by, to_user_id)
    moved = 0
    while True:
        batch = list(
            customers_for(by)
            .filter(owner_id=from_user_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return moved
        moved += customers_assign(
            by=by,
            customer_ids=batch,
            to_user_id=to_user_id,
            reason=reason,
            policy=policy,
            now=now,
        )
