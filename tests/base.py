"""Base classes for tests that need real transactions (no wrapping test transaction)."""

from django.db import connection
from django.test import TransactionTestCase

from zhike.audit.triggers import create_triggers, drop_triggers


class RealTransactionTestCase(TransactionTestCase):
    """TransactionTestCase whose flush may empty the append-only audit table on SQLite."""

    def _fixture_teardown(self) -> None:
        if connection.vendor == "sqlite":
            drop_triggers(connection)
            try:
                super()._fixture_teardown()
            finally:
                create_triggers(connection)
        else:
            super()._fixture_teardown()
