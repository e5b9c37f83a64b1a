"""The lapse sweep (OWN-1, s000 销售部 1): customers whose contact was interrupted longer
than the policy allows go back to the pool; their owners are told ``notice_days`` before.

Set-based and idempotent. Owners are taken one at a time, and each owner's due customers
in batches: a batch is read ``FOR UPDATE SKIP LOCKED`` (a second sweep running at the
same moment takes other rows, or none) and released by a compare-and-set on the owner it
read, so a customer is released once however many sweeps run. Warnings are claimed the
same way (``lapse_warned_at`` later than the clock: this spell's warning was given).
"""

import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from zhike.archive.models import CONTACT_CLOCK, Customer, CustomerTally, OwnershipKind
from zhike.deferred import deferred, stored_text, stored_title
from zhike.org.models import User
from zhike.policy.ownership_schema import OwnershipPolicy
from zhike.policy.schema import Policy
from zhike.trade.models import Order
from zhike.workflow.models import Notice
from zhike.workflow.notify import notify_many

from .models import Lock
from .pools import pool_named
from .services import put_in_pool

BATCH = 2000


@dataclass(frozen=True)
class KeepRule:
    """One row of the keep table: customers matching ``standing`` (grade/tier; empty:
    all the others) lapse after ``lapse_days`` without contact or ``deal_days`` without
    an order, into ``pool``."""

    standing: Q
    lapse_days: int
    deal_days: int
    pool: str


@dataclass
class LapseResult:
    warned: int = 0
    released: int = 0
    by_owner: dict[int, int] = field(default_factory=dict)


def keep_rules(rules: OwnershipPolicy) -> list[KeepRule]:
    """The overrides in policy order, each excluding the ones before it, then the rest."""
    table: list[KeepRule] = []
    taken = Q()
    for override in rules.overrides:
        match = Q(**{f"standing__{axis}": value for axis, value in override.when.items()})
        lapse, deal, pool = rules.keep_for({str(k): v for k, v in override.when.items()})
        table.append(KeepRule(match & ~taken if taken else match, lapse, deal, pool))
        taken |= match
    lapse, deal, pool = rules.lapse_days, rules.deal_days, rules.default_pool
    table.append(KeepRule(~taken if taken else Q(), lapse, deal, pool))
    return table


def _kept(rules: OwnershipPolicy, now: datetime) -> QuerySet[Customer]:
    """Owned live customers the rules may release: not locked, not in an exempt status,
    no order in the keep-after-order window."""
    owned = Customer.objects.filter(owner__isnull=False, merged_into__isnull=True)
    owned = owned.exclude(Exists(Lock.objects.filter(customer=OuterRef("pk"))))
    if rules.exempt_statuses:
        owned = owned.exclude(status__in=rules.exempt_statuses)
    if rules.keep_after_order_days:
        since = timezone.localdate(now) - timedelta(days=rules.keep_after_order_days)
        owned = owned.exclude(
            Exists(Order.objects.filter(customer=OuterRef("pk"), signed_on__gte=since))
        )
    return owned


def _due(rule: KeepRule, now: datetime, *, ahead: int = 0) -> list[tuple[Q, str, str]]:
    """The conditions under which ``rule``'s customers lapse (``ahead`` days from now),
    each with the policy key and the reason the history records."""
    due = []
    if rule.lapse_days:
        cutoff = now - timedelta(days=rule.lapse_days - ahead)
        reason = f"连续 {rule.lapse_days} 天无有效联系"
        contact = Q(clock__lt=cutoff)
        due.append((rule.standing & contact, "ownership.lapse_days", reason))
    if rule.deal_days:
        no_order = ~Exists(
            Order.objects.filter(customer=OuterRef("pk"), signed_on__gte=OuterRef("owned_day"))
        )
        cutoff = now - timedelta(days=rule.deal_days - ahead)
        due.append(
            (
                rule.standing & Q(owned_since__lt=cutoff) & Q(no_order),
                "ownership.deal_days",
                f"{rule.deal_days} 天未成交",
            )
        )
    return due


def _candidates(base: QuerySet[Customer]) -> QuerySet[Customer]:
    return base.annotate(clock=CONTACT_CLOCK, owned_day=TruncDate("owned_since"))


def _owners(table: list[KeepRule], rules: OwnershipPolicy, now: datetime) -> list[int]:
    """The owners with a customer due now, or due within the notice days and not yet
    warned: one probe per owner on its (owner, clock) index range, in one statement, so a
    sweep with nothing to do costs one query, not one per owner."""
    owners = CustomerTally.objects.filter(owner_key__gt=0, live__gt=0)
    if any(rule.deal_days for rule in table):  # no index on "no order since": every owner
        return list(owners.order_by("owner_key").values_list("owner_key", flat=True).distinct())
    days = [rule.lapse_days for rule in table if rule.lapse_days]
    if not days:
        return []
    release = now - timedelta(days=min(days))
    warn = now - timedelta(days=max(0, min(days) - rules.notice_days))
    unwarned = Q(lapse_warned_at__isnull=True) | Q(lapse_warned_at__lt=CONTACT_CLOCK)
    something = (
        Customer.objects.filter(owner_id=OuterRef("pk"), merged_into__isnull=True)
        .annotate(clock=CONTACT_CLOCK)
        # The wider range alone first: it is the index's range condition (an OR of
        # two ranges made PostgreSQL read each owner's every customer: 1.8 s at 1M).
        .filter(clock__lt=warn)
        .filter(Q(clock__lt=release) | unwarned)
    )
    # Probed once per owner, not once per tally row: a pair has a row per writer's slot.
    return list(
        User.objects.filter(pk__in=owners.values("owner_key"))
        .filter(Exists(something))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sweep_lapses(*, policy: Policy, now: datetime) -> LapseResult:
    """Warn, then release. Returns how many were warned and released (by previous owner)."""
    rules = policy.ownership
    result = LapseResult()
    if not rules.enabled:
        return result
    table = keep_rules(rules)
    base = _candidates(_kept(rules, now))
    for owner_id in _owners(table, rules, now):
        mine = base.filter(owner_id=owner_id)
        for rule in table:
            for condition, key, reason in _due(rule, now):
                released = _release_all(
                    mine.filter(condition), rule, key, reason, policy=policy, now=now
                )
                if not released:
                    continue
                result.by_owner[owner_id] = result.by_owner.get(owner_id, 0) + released
                result.released += released
        if rules.notice_days:
            result.warned += _warn(owner_id, mine, table, policy=policy, now=now)
    _tell_owners(result.by_owner, policy=policy)
    return result


def _release_all(
    due: QuerySet[Customer],
    rule: KeepRule,
    key: str,
    reason: str,
    *,
    policy: Policy,
    now: datetime,
) -> int:
    pool = pool_named(rule.pool, policy.ownership)
    released = 0
    while True:
        with transaction.atomic():
            rows = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values_list("pk", "owner_id")[:BATCH]
            )
            if not rows:
                return released
            by_owner: dict[int, list[int]] = {}
            for pk, owner in rows:
                by_owner.setdefault(owner, []).append(pk)
            freed: list[tuple[int, int | None]] = []
            for owner, ids in by_owner.items():
                count = Customer.objects.filter(pk__in=ids, owner_id=owner).update(
                    owner=None,
                    owned_since=None,
                    lapse_warned_at=None,
                    updated_at=now,
                    version=F("version") + 1,
                )
                if count == len(ids):
                    freed += [(pk, owner) for pk in ids]
                else:  # another writer moved some of them: release only what is still read
                    raise RuntimeError("lapse sweep lost its row locks")  # pragma: no cover
            put_in_pool(
                freed,
                pool=pool,
                by=None,
                kind=OwnershipKind.LAPSED,
                reason=reason,
                rule=key,
                policy=policy,
                now=now,
            )
            released += len(freed)


def _warn(
    owner_id: int, mine: QuerySet[Customer], table: list[KeepRule], *, policy: Policy, now: datetime
) -> int:
    """Claim this spell's warnings for the owner's customers due within ``notice_days``
    and tell the owner once, with how many."""
    conditions = [
        condition
        for rule in table
        for condition, _key, _reason in _due(rule, now, ahead=policy.ownership.notice_days)
    ]
    if not conditions:
        return 0
    soon = reduce(operator.or_, conditions)
    with transaction.atomic():
        fresh = Q(lapse_warned_at__isnull=True) | Q(lapse_warned_at__lt=CONTACT_CLOCK)
        ids = mine.filter(soon).filter(fresh).values("pk")
        claimed = Customer.objects.filter(pk__in=ids).update(lapse_warned_at=now)
        if claimed:
            notify_many(
                [
                    Notice(
                        recipient_id=owner_id,
                        kind="ownership.lapsing",
                        **stored_title(
                            deferred(
                                "%(count)s 个客户将在 %(days)s 天内退回公海",
                                count=claimed,
                                days=policy.ownership.notice_days,
                            )
                        ),
                        **stored_text(
                            "body",
                            deferred("请及时跟进并记录有效联系,否则客户将按客户归属制度退回公海。"),
                        ),
                        link="/ownership/mine/",
                    )
                ],
                policy=policy,
            )
    return claimed


def _tell_owners(by_owner: dict[int, int], *, policy: Policy) -> None:
    if not by_owner:
        return
    with transaction.atomic():
        notify_many(
            [
                Notice(
                    recipient_id=owner_id,
                    kind="ownership.lapsed",
                    **stored_title(deferred("%(count)s 个客户因长期未联系已退回公海", count=count)),
                    link="/ownership/history/",
                )
                for owner_id, count in by_owner.items()
            ],
            policy=policy,
        )
