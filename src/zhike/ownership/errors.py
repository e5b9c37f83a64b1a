"""Errors of ownership. Each refusal names the policy key that refused it as its one
field, so the API's error shape says which rule it was (``ownership.cooldown_days``)."""

from zhike.errors import Conflict, CustomerNotFound, NotFound, PermissionDenied, RuleError

__all__ = ["Conflict", "CustomerNotFound", "NotFound", "OwnershipError", "PermissionDenied"]


class OwnershipError(RuleError):
    """A claim, assignment or lock was refused by a rule (400)."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message, field=rule)
        self.rule = rule


class Taken(Conflict):
    """Someone else holds the customer, or took it a moment ago (409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="ownership.claim")
        self.rule = "ownership.claim"
