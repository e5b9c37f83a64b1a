"""Permissions come from roles (ORG-1) instead of Django groups."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet


class RoleBackend(ModelBackend):
    """ModelBackend whose "group" permissions are the permissions of the user's roles."""

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        return Permission.objects.filter(roles__users=user_obj)
