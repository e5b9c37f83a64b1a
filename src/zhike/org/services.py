"""Writes for the organisation: roles, departments, users."""

from django.contrib.auth.models import Permission
from django.db import transaction

from .models import Department, Role, User
from .roles import ROLES


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_roles() -> list[Role]:
    """Create the seed roles that do not exist yet; never overwrite an admin's changes."""
    roles = []
    for definition in ROLES:
        role, created = Role.objects.get_or_create(
            code=definition.code,
            defaults={"name": str(definition.name), "scope": definition.scope},
        )
        if created:
            role.permissions.set([_permission(p) for p in definition.permissions])
        roles.append(role)
    return roles


@transaction.atomic
def department_create(*, name: str, code: str, parent: Department | None = None) -> Department:
    return Department.objects.create(name=name, code=code, parent=parent)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    display_name: str = "",
    department: Department | None = None,
    roles: list[str] | tuple[str, ...] = (),
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        department=department,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    if roles:
        user.roles.set(Role.objects.filter(code__in=roles))
    return user
