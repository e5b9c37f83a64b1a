"""Errors of the trade ledger; the API and views show ``message`` to the user."""

from zhike.errors import RuleError


class TradeError(RuleError):
    """A ledger entry was refused (bad amounts, a customer who may not trade…)."""
