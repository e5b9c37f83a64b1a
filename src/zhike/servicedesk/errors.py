"""Errors of the service desk: a refusal names the field (or the policy key) it is about."""

from django.utils.translation import gettext as _

from zhike.errors import NotFound, PermissionDenied, RuleError

__all__ = ["ComplaintNotFound", "PermissionDenied", "ServiceError"]


class ServiceError(RuleError):
    """A complaint operation was refused by a rule (400)."""


class ComplaintNotFound(NotFound):
    """Missing or outside the caller's scope: the same answer for both (ORG-2)."""

    def __init__(self) -> None:
        super().__init__(_("投诉不存在或不在您的权限范围内"))
