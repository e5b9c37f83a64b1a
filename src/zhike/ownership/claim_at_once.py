"""A claim that succeeds, on PostgreSQL in one statement (OWN-4, issue 14).

A claim through the ORM is eight statements (read, pool entry, history, audit event,
to-dos, compare-and-set, BEGIN, COMMIT) and ~9 ms of Python at a million customers: eight
claimants on two cores queued behind each other's Python, p50 52 ms where the raw
compare-and-set took 9 (bench/ownership_sweep.py). Here the checks a claim must pass (no
owner, not merged, in one of the claimant's pools, past the new-to-pool embargo, no
relatives to decide about) are the WHERE of the compare-and-set, and its other writes hang
off its RETURNING in the same statement: written only if the customer was taken, and by
exactly one of any number of parallel claims (the row lock and PostgreSQL's re-check of
the WHERE after it).

A claim that finds nothing to take here is not refused here: ``customer_claim`` goes on
the way that tells why (taken, embargoed, not in a pool, a relative's), as on SQLite.
"""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet

from zhike.archive.models import Customer, OwnershipKind
from zhike.compiled import CompiledQueries, CompiledQuery
from zhike.db import prepared_cursor
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.models import DeadlineState

from .pools import departments_of, pools_for

# {mine} is the claimant's pools (pools_for, compiled once per shape); the rest are parameters.
# The customer is read by its primary key only: "(owner_id + 0) IS NULL" keeps the planner
# off the owner index, which it chose right after a sweep had freed 100,000 customers (the
# statistics not yet renewed said none had no owner) and read them all: 250 ms a claim.
_CLAIM = """
WITH target AS (
  SELECT c.id, p.code AS pool_code
  FROM archive_customer c
  LEFT JOIN ownership_poolentry e ON e.customer_id = c.id
  JOIN ownership_pool p ON p.id = COALESCE(
    e.pool_id, (SELECT d.id FROM ownership_pool d WHERE d.code = %s))
  WHERE c.id = %s AND (c.owner_id + 0) IS NULL AND c.merged_into_id IS NULL
    AND (e.customer_id IS NULL OR e.claimable_from <= %s)
    AND p.id IN ({mine})
    AND (%s OR NOT EXISTS (SELECT 1 FROM archive_relation r
                           WHERE r.customer_id = c.id OR r.relative_id = c.id))
), took AS (
  UPDATE archive_customer c SET owner_id = %s, department_id = %s, owned_since = %s,
    lapse_warned_at = NULL, updated_at = %s, version = c.version + 1
  FROM target t WHERE c.id = t.id AND (c.owner_id + 0) IS NULL AND c.merged_into_id IS NULL
  RETURNING c.id, t.pool_code
), entry AS (
  DELETE FROM ownership_poolentry WHERE customer_id IN (SELECT id FROM took)
), history AS (
  INSERT INTO archive_ownershipchange (customer_id, kind, from_user_id, to_user_id, by_id,
    at, reason, rule, pool, policy_version)
  SELECT id, %s, NULL, %s, %s, %s, '', '', pool_code, %s FROM took
), event AS (
  INSERT INTO audit_event (actor_id, action, content_type_id, object_id, created_at, details)
  SELECT %s, 'ownership.claimed', %s, id, statement_timestamp(),
    jsonb_build_object('pool', pool_code) FROM took
), todos AS (
  UPDATE workflow_deadline SET assignee_id = %s
  WHERE content_type_id = %s AND object_id IN (SELECT id FROM took) AND state = %s
    AND assignee_id IS DISTINCT FROM %s
)
SELECT id FROM took
"""


_POOLS = CompiledQueries()  # the claimant's pools, per shape (how many departments above)


def _mine(by: User) -> tuple[str, list[Any]]:
    """The ids of the pools ``by`` may take from, as a subquery and its parameters."""
    departments = departments_of(by)
    names = tuple(f"department{n}" for n in range(len(departments or ())))
    shape = (by.is_superuser, departments is not None, len(names))

    def make() -> CompiledQuery:
        def build(**ids: int) -> QuerySet[Any, Any]:
            known = None if departments is None else [ids[name] for name in names]
            pools = pools_for(ids.get("user", 0), known, superuser=by.is_superuser)
            return pools.order_by().values("pk")

        return CompiledQuery(build, ids=() if by.is_superuser else ("user", *names))

    values = dict(zip(names, departments or (), strict=True))
    if not by.is_superuser:
        values["user"] = by.pk
    return _POOLS.get(shape, make).statement(connection.alias, **values)


def claim_at_once(*, by: User, customer_id: int, policy: Policy, now: datetime) -> bool:
    """Take the customer for ``by`` if every check passes, with its history row, audit
    event and to-dos, in one statement; False (nothing written) if any does not."""
    mine, mine_params = _mine(by)
    content_type = ContentType.objects.get_for_model(Customer).pk
    ignore_relatives = policy.ownership.relatives == "ignore"
    params = [
        policy.ownership.default_pool,
        customer_id,
        now,
        *mine_params,
        ignore_relatives,
        by.pk,
        by.department_id,
        now,
        now,
        OwnershipKind.CLAIMED.value,
        by.pk,
        by.pk,
        now,
        policy.policy.version,
        by.pk,
        content_type,
        by.pk,
        content_type,
        DeadlineState.OPEN.value,
        by.pk,
    ]
    with prepared_cursor() as cursor:
        cursor.execute(_CLAIM.format(mine=mine), params)
        return cursor.fetchone() is not None
