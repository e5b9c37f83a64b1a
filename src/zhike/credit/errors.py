"""Refusals of the credit check: the reason in Chinese, the field or rule it is about."""

from zhike.errors import NotFound, PermissionDenied, RuleError

__all__ = ["CreditError", "NotFound", "PermissionDenied"]


class CreditError(RuleError):
    """A shipment was refused by a credit rule (400)."""
