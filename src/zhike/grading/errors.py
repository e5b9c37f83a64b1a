"""Errors of the grading module; the API and views show ``message`` to the user."""

from zhike.archive.errors import ArchiveError, Conflict, NotFound, PermissionDenied

__all__ = ["Conflict", "GradingError", "NotFound", "PermissionDenied"]


class GradingError(ArchiveError):
    """A grading operation was refused (wrong state, unknown grade, quota full…)."""
