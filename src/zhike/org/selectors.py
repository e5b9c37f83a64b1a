"""Reads about the organisation: who holds a role near a department."""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf

from .models import Department, User


def name_column(person: str) -> Coalesce:
    """``str(user)`` of the user at the lookup ``person`` ("owner", "by") as a column of
    the same query: the display name, else the username."""
    return Coalesce(NullIf(F(f"{person}__display_name"), Value("")), F(f"{person}__username"))


def ancestor_ids(department: Department | None) -> list[int]:
    """The department's id and its ancestors', nearest first (from the materialised path)."""
    if department is None or not department.path:
        return []
    return [int(part) for part in reversed(department.path.strip("/").split("/"))]


def people_with_role(
    role: str, *, near: Department | None, exclude: User | None = None
) -> list[User]:
    """Active holders of ``role``, looked up in the department line first: the department
    itself, then each department above it; the nearest level that has any wins. With no
    holder in the line (finance for a salesperson, say), every holder company-wide.
    ``exclude`` leaves one person out before choosing the level (no self-approval)."""
    queryset = User.objects.filter(roles__code=role, is_active=True)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    holders = list(queryset.order_by("id").distinct())
    line = ancestor_ids(near)
    for department_id in line:
        nearest = [u for u in holders if u.department_id == department_id]
        if nearest:
            return nearest
    return holders


def holds_role(user: User, codes: list[str] | tuple[str, ...]) -> bool:
    """Whether ``user`` holds one of the roles the policy names for a task (a superuser
    holds them all)."""
    return user.is_superuser or user.roles.filter(code__in=codes).exists()
