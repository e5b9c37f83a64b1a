"""Which pool a customer belongs in, and who may take from a pool (OWN-1, OWN-4)."""

from django.db.models import Q, QuerySet

from zhike.archive.models import Customer
from zhike.org.models import Department, User
from zhike.org.selectors import ancestor_ids
from zhike.policy.ownership_schema import OwnershipPolicy

from .models import Pool


def default_pool(policy: OwnershipPolicy) -> Pool:
    """The policy's default pool; made on first use if an admin removed it."""
    pool, _created = Pool.objects.get_or_create(code=policy.default_pool, defaults={"name": "公海"})
    return pool


def pool_named(code: str, policy: OwnershipPolicy) -> Pool:
    pool = Pool.objects.filter(code=code, active=True).first()
    return pool or default_pool(policy)


def pool_of_department(department_id: int | None, policy: OwnershipPolicy) -> Pool:
    """The pool of the nearest department (itself, then upwards) that has one, else the
    default: a branch's released customers stay in the branch's pool."""
    if department_id is not None:
        path = Department.objects.filter(pk=department_id).values_list("path", flat=True).first()
        ancestors = [int(p) for p in (path or "").strip("/").split("/") if p]
        by_department = dict(
            Pool.objects.filter(active=True, departments__in=ancestors).values_list(
                "departments", "pk"
            )
        )
        for ancestor in reversed(ancestors):
            if ancestor in by_department:
                return Pool.objects.get(pk=by_department[ancestor])
    return default_pool(policy)


def pools_of(user: User) -> QuerySet[Pool]:
    """The active pools ``user`` may take customers from: a pool of no department is the
    company's; otherwise the user's department must be one of its departments or below,
    or the user a listed member or admin."""
    return pools_for(user.pk, departments_of(user), superuser=user.is_superuser)


def departments_of(user: User) -> list[int] | None:
    """The user's department and those above it, nearest first; None if it has none.
    The signed-in user comes with its department (org.backends): no query for it."""
    return ancestor_ids(user.department) if user.department_id is not None else None


def pools_for(user_id: int, departments: list[int] | None, *, superuser: bool) -> QuerySet[Pool]:
    """``pools_of`` from the user's id, its department and those above it (None: it has
    none), so that it can be compiled once per shape (claim_at_once)."""
    pools = Pool.objects.filter(active=True)
    if superuser:
        return pools
    mine = Q(departments__isnull=True) | Q(members=user_id) | Q(admins=user_id)
    if departments is not None:
        mine |= Q(departments__in=departments)
    return pools.filter(mine).distinct()


def in_pool(pool: Pool, policy: OwnershipPolicy) -> QuerySet[Customer]:
    """The customers in ``pool``: unowned, with its entry; the default pool also holds the
    unowned customers that have no entry (imported without owner, or older than pools)."""
    unowned = Customer.objects.filter(owner__isnull=True, merged_into__isnull=True)
    if pool.code == policy.default_pool:
        return unowned.filter(Q(pool_entry__pool=pool) | Q(pool_entry__isnull=True))
    return unowned.filter(pool_entry__pool=pool)


def pool_of_customer(customer: Customer, policy: OwnershipPolicy) -> Pool:
    entry = getattr(customer, "pool_entry", None)
    return entry.pool if entry is not None else default_pool(policy)
