"""Errors of the grading module; the API and views show ``message`` to the user."""

from zhike.errors import Conflict, NotFound, PermissionDenied, RuleError

__all__ = ["Conflict", "GradingError", "NotFound", "PermissionDenied"]


class GradingError(RuleError):
    """A grading operation was refused (wrong state, unknown grade, quota full…)."""
