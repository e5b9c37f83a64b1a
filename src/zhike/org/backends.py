"""Permissions come from roles (ORG-1) instead of Django groups."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import router
from django.db.models import Q, QuerySet

from zhike.compiled import CompiledQuery


class RoleBackend(ModelBackend):
    """ModelBackend whose "group" permissions are the permissions of the user's roles."""

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a session, with its department: every page shows it."""
        users = get_user_model()._default_manager.select_related("department")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

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
