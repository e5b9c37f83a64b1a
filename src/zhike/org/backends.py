"""Permissions come from roles (ORG-1) instead of Django groups."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import router
from django.db.models import F, Q, QuerySet

from zhike.compiled import CompiledQuery

from .models import Department


class RoleBackend(ModelBackend):
    """ModelBackend whose "group" permissions are the permissions of the user's roles."""

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a session, with its department: every page shows it."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        model = get_user_model()
        using = router.db_for_read(model)
        user = _SIGNED_IN.instance(model, using, user=pk)
        if user is None:
            return None
        department = None
        if user.department_id is not None:  # the department's columns came with the user
            values = [getattr(user, f"dept_{name}") for name in _DEPARTMENT_COLUMNS]
            department = Department.from_db(using, _DEPARTMENT_COLUMNS, values)
        model._meta.get_field("department").set_cached_value(user, department)
        return user if self.user_can_authenticate(user) else None

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        return Permission.objects.filter(roles__users=user_obj)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The user's own and its roles' permissions, read in one query (ModelBackend
        takes two) once per request: most pages and API calls check one."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            using = router.db_for_read(Permission)
            if user_obj.is_superuser:
                pairs = _ALL_PERMISSIONS.rows(using)
            else:
                pairs = _PERMISSIONS_OF.rows(using, user=user_obj.pk)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in pairs}
        return user_obj._perm_cache


def _permissions(user: int | None = None) -> QuerySet[Permission, Any]:
    perms = Permission.objects.all()
    if user is not None:
        perms = perms.filter(Q(user=user) | Q(roles__users=user))
    return perms.values_list("content_type__app_label", "codename").order_by()


# Compiled once: every page and API call checks a permission.
_ALL_PERMISSIONS = CompiledQuery(_permissions)
_PERMISSIONS_OF = CompiledQuery(_permissions, ids=("user",))


# The user and its department in one statement compiled once (what select_related would
# read; a department's columns are text and ids, which need no conversion).
_DEPARTMENT_COLUMNS = [field.attname for field in Department._meta.concrete_fields]
_SIGNED_IN = CompiledQuery(
    lambda user: (
        get_user_model()
        ._default_manager.filter(pk=user)
        .annotate(**{f"dept_{name}": F(f"department__{name}") for name in _DEPARTMENT_COLUMNS})
    ),
    ids=("user",),
)
