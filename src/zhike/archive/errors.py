"""Errors the archive's services and selectors raise; the API and views translate them.
The shared kinds (not found, permission, conflict) live in zhike.errors."""

from zhike.errors import Conflict, CustomerNotFound, NotFound, PermissionDenied, RuleError

__all__ = ["ArchiveError", "Conflict", "CustomerNotFound", "NotFound", "PermissionDenied"]


class ArchiveError(RuleError):
    """An archive operation was refused (a missing field, a duplicate, a wrong state…)."""
