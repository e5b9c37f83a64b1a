"""Errors the archive's services and selectors raise; the API and views translate them."""

from django.utils.translation import gettext_lazy as _


class ArchiveError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user."""

    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: list[tuple[str, str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # Every field's problem at once, (field, message): a form shows them together.
        self.errors = errors if errors is not None else ([(field, message)] if field else [])

    @classmethod
    def of_fields(cls, errors: list[tuple[str, str]]) -> "ArchiveError":
        """One error for several fields; its message and field are the first one's."""
        field, message = errors[0]
        return cls(message, field=field, errors=errors)


class CustomerNotFound(ArchiveError):
    """The customer does not exist *or* is outside the user's data scope: the same error
    for both, so that nobody learns which records exist (ORG-2)."""

    code = "not_found"

    def __init__(self) -> None:
        super().__init__(str(_("客户不存在或无权查看")))


class NotFound(ArchiveError):
    """A record named by id does not exist (or is not the caller's to see)."""

    code = "not_found"


class PermissionDenied(ArchiveError):
    code = "permission_denied"


class Conflict(ArchiveError):
    """The record was created or changed by someone else at the same moment (409)."""

    code = "conflict"
