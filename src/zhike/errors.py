"""The errors every app's services and selectors raise when a business rule refuses an
operation; the API (api.errors) and the views translate them. Each app subclasses
``RuleError`` for its own (ArchiveError, GradingError, TradeError, ApprovalError…), so that
no app imports another only for its errors."""

from typing import Self

from django.utils.translation import gettext_lazy as _


class RuleError(Exception):
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
    def of_fields(cls, errors: list[tuple[str, str]]) -> Self:
        """One error for several fields; its message and field are the first one's."""
        field, message = errors[0]
        return cls(message, field=field, errors=errors)


class NotFound(RuleError):
    """A record named by id does not exist (or is not the caller's to see)."""

    code = "not_found"


class PermissionDenied(RuleError):
    code = "permission_denied"


class Conflict(RuleError):
    """The record was created or changed by someone else at the same moment (409)."""

    code = "conflict"


class CustomerNotFound(NotFound):
    """The customer does not exist *or* is outside the user's data scope: the same error
    for both, so that nobody learns which records exist (ORG-2)."""

    def __init__(self) -> None:
        super().__init__(str(_("客户不存在或无权查看")))
