"""Errors of the trade ledger; the API and views show ``message`` to the user."""

from zhike.archive.errors import ArchiveError


class TradeError(ArchiveError):
    """A ledger entry was refused (bad amounts, a customer who may not trade…)."""
