"""The one place that turns (user, queryset) into the records that user may see (ORG-2).

Every list, detail, update, export, count and API call goes through :func:`visible_to`.
A model opts in by naming its owner and department fields::

    class Customer(models.Model):
        scope_owner_field = "owner"
        scope_department_field = "department"

A user with several roles sees the union of their scopes; a superuser sees everything.
"""

import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.db import router
from django.db.models import Model, Q, QuerySet, Subquery

from zhike.compiled import CompiledQuery

from .models import DataScope, Department, Role

if TYPE_CHECKING:
    from .models import User

M = TypeVar("M", bound=Model)


class Scoped(Protocol):
    scope_owner_field: str
    scope_department_field: str


def user_scopes(user: "User") -> set[str]:
    """The data scopes of the user's roles, cached on the user object for the request."""
    cached: set[str] | None = getattr(user, "_zhike_scopes", None)
    if cached is None:
        using = router.db_for_read(Role)
        cached = {scope for (scope,) in _SCOPES_OF.rows(using, user=user.pk)}
        remember_scopes(user, cached)
    return cached


# Compiled once: every request of a signed-in user reads it.
_SCOPES_OF = CompiledQuery(
    lambda user: Role.objects.filter(users=user).order_by().values_list("scope"),
    ids=("user",),
)


def _tree_ids(user: "User") -> list[int]:
    """Ids of the user's department tree, cached on the user object for the request."""
    cached: list[int] | None = getattr(user, "_zhike_tree_ids", None)
    if cached is None:
        cached = department_tree_ids(user.department_id)  # type: ignore[arg-type]
        user._zhike_tree_ids = cached  # type: ignore[attr-defined]
    return cached


def remember_scopes(user: "User", scopes: set[str]) -> None:
    """Give ``user`` its roles' scopes when they were read with the user (API sign-in)."""
    user._zhike_scopes = scopes  # type: ignore[attr-defined]


def department_tree_ids(department_id: int) -> list[int]:
    """Ids of the department and every department below it, in one query (compiled once:
    a manager's every request reads it, and building it cost more than running it)."""
    using = router.db_for_read(Department)
    return [pk for (pk,) in _TREE_OF.rows(using, department=department_id)]


def _tree_of(department: int) -> QuerySet[Any, Any]:
    root = Department.objects.filter(pk=department).values("path")
    return Department.objects.filter(path__startswith=Subquery(root)).order_by().values_list("id")


_TREE_OF = CompiledQuery(_tree_of, ids=("department",))


def scope_filter(user: "User", model: type[Model]) -> Q | None:
    """The filter for ``model`` rows ``user`` may see; ``None`` means no restriction."""
    branches = scope_branches(user, model)
    return None if branches is None else reduce(operator.or_, branches)


def scope_branches(user: "User", model: type[Model]) -> list[Q] | None:
    """The filter of :func:`scope_filter` as the conditions it is the union of: the user's
    own records, then one per department its scopes reach (``None``: no restriction).
    Each is served by one (owner, id) or (department, id) index, so a list can read each
    branch in id order instead of letting the database filter the whole table by the OR."""
    owner: str = model.scope_owner_field  # type: ignore[attr-defined]
    dept: str = model.scope_department_field  # type: ignore[attr-defined]
    return _scope_branches(user, owner=owner, department=dept)


def users_in_scope(user: "User", *, inactive: bool = False) -> "QuerySet[User]":
    """The active users whose customers ``user`` may see by its roles' scopes (itself
    included): the choices of a 负责人 filter. ``inactive`` adds the deactivated ones (a
    leaver whose customers are handed over)."""
    from .models import User

    users = User.objects.all() if inactive else User.objects.filter(is_active=True)
    branches = _scope_branches(user, owner="pk", department="department")
    return users if branches is None else users.filter(reduce(operator.or_, branches))


@dataclass(frozen=True)
class Reach:
    """What a restricted user may see: its own records (``owner``) and those of the
    ``departments`` its scopes reach; ``owner`` None: nothing (an inactive user)."""

    owner: int | None
    departments: tuple[int, ...] = ()


def reach_of(user: "User") -> Reach | None:
    """The user's reach by its roles' scopes; ``None``: no restriction."""
    if not user.is_active:
        return Reach(owner=None)
    if user.is_superuser:
        return None
    scopes = user_scopes(user)
    if DataScope.ALL in scopes:
        return None
    departments: tuple[int, ...] = ()
    if user.department_id is not None:
        if DataScope.DEPARTMENT_TREE in scopes:
            departments = tuple(_tree_ids(user))
        elif DataScope.DEPARTMENT in scopes:
            departments = (user.department_id,)
    return Reach(owner=user.pk, departments=departments)


def reach_branches(reach: Reach, *, owner: str, department: str) -> list[Q]:
    """Rows whose ``owner`` is the reach's, or whose ``department`` is one it reaches."""
    if reach.owner is None:
        return [Q(pk__in=[])]
    return [Q(**{owner: reach.owner})] + [Q(**{department: pk}) for pk in reach.departments]


def _scope_branches(user: "User", *, owner: str, department: str) -> list[Q] | None:
    reach = reach_of(user)
    return None if reach is None else reach_branches(reach, owner=owner, department=department)


def visible_to[M: Model](user: "User", queryset: QuerySet[M]) -> QuerySet[M]:
    """Restrict ``queryset`` to the records ``user`` may see."""
    condition = scope_filter(user, queryset.model)
    return queryset if condition is None else queryset.filter(condition)
