"""Errors of the grading module; the API and views show ``message`` to the user."""

from zhike.archive.errors import ArchiveError, PermissionDenied

__all__ = ["GradingError", "PermissionDenied"]


class GradingError(ArchiveError):
    """A grading operation was refused (wrong state, unknown grade, quota full…)."""
