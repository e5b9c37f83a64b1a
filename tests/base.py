"""Base classes for tests that need real transactions (no wrapping test transaction)."""

import functools
from collections.abc import Callable, MutableMapping
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from zhike.analytics import rollup_triggers
from zhike.archive import tallies
from zhike.audit.triggers import create_triggers, drop_triggers


class RealTransactionTestCase(TransactionTestCase):
    """TransactionTestCase whose flush may empty the append-only audit table on SQLite
    (and leaves the customer tallies empty, as the customers are)."""

    def _fixture_teardown(self) -> None:
        if connection.vendor == "sqlite":
            # Flushing deletes row by row: without their triggers, audit events may go and
            # the tallies are not counted down below zero on their way out.
            drop_triggers(connection)
            tallies.drop_triggers(connection)
            rollup_triggers.drop_triggers(connection)  # the flush would leave deltas behind
            try:
                super()._fixture_teardown()
            finally:
                create_triggers(connection)
                tallies.create_triggers(connection)
                rollup_triggers.create_triggers(connection)
        else:
            super()._fixture_teardown()


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def also_in_a_real_transaction(
    namespace: MutableMapping[str, Any], *tests: Callable[..., Any]
) -> None:
    """Run ``tests`` a second time without pytest-django's wrapping transaction, on
    PostgreSQL: a service missing ``@transaction.atomic`` passes inside the test's own
    transaction and fails in production (tests/test_real_transactions.py)."""
    for test in tests:

        @functools.wraps(test)  # the same signature: pytest hands it the same fixtures
        def run(*args: Any, _test: Callable[..., Any] = test, **kwargs: Any) -> Any:
            return _test(*args, **kwargs)

        run.pytestmark = [  # type: ignore[attr-defined]
            *getattr(test, "pytestmark", []),
            pytest.mark.django_db(transaction=True),
            pytest.mark.skipif(not ON_POSTGRESQL, reason="select_for_update needs PostgreSQL"),
        ]
        run.__name__ = f"{test.__name__}_in_a_real_transaction"
        namespace[run.__name__] = run


def planned_workers() -> str:
    """The connection's max_parallel_workers_per_gather, as the next statement plans with."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return str(cursor.fetchone()[0])
