"""Errors of follow-ups and visits; the API and views show ``message`` to the user."""

from zhike.errors import Conflict, NotFound, PermissionDenied, RuleError

__all__ = ["Conflict", "EngagementError", "NotFound", "PermissionDenied"]


class EngagementError(RuleError):
    """A follow-up, plan or report was refused (no content, a time in the past…)."""
