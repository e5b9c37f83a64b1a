"""Permissions come from roles (ORG-1) instead of Django groups."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet


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
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(roles__users=user_obj))
            pairs = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in pairs}
        return user_obj._perm_cache
