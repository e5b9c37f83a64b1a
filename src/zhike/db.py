"""Database helpers shared by the apps."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from itertools import batched
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import IntegerField, Model, Subquery
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.datastructures import OrderedSet

INSERT_CHUNK = 2000
# The GIN pending list and the memory to merge it with during a bulk load (see bulk_load).
# Measured on 100,000 customers into a million: trigram index 4.7 s at the defaults (4 MB),
# 3.8 s at 16–64 MB; larger lists cost more again (4.0–4.3 s at 256 MB).
BULK_GIN_MEMORY = "32MB"


class AnyOf(In):
    """``AnyOf(F("field"), values)``: ``IN`` for a long list of values. On PostgreSQL the list
    goes as one array: psycopg's client-side binding parses the query at every
    placeholder, and an import's lookups of 2,000 codes at a time spent more time there
    than in the database. The array is unpacked in a subquery so the planner does not
    estimate each of its values (7 ms to plan 2,000 names, 0.1 ms so). Elsewhere it is
    ``IN``."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if self.rhs_is_direct_value():
            values = OrderedSet(v for v in self.rhs if v is not None)
            if not values:
                raise EmptyResultSet
            lhs, lhs_params = self.process_lhs(compiler, connection)
            params: Iterable[Any] = values
            if any(type(v) not in (str, int) for v in values):
                _sql, params = self.batch_process_rhs(compiler, connection, values)
            array = f"%s::{self.lhs.output_field.cast_db_type(connection)}[]"
            return f"{lhs} = ANY(ARRAY(SELECT unnest({array})))", (*lhs_params, [*params])
        return self.as_sql(compiler, connection)

    def get_prep_lookup(self) -> Any:
        if self.rhs_is_direct_value() and all(type(v) in (str, int) for v in self.rhs):
            return self.rhs  # already what the column holds: no per-value preparation
        return super().get_prep_lookup()


class CountOf(Subquery):
    """``CountOf(queryset)``: how many rows ``queryset`` returns (up to its slice), as a
    column of another query. A list page carries its capped count this way: one
    statement instead of two, which saves a round trip, the server's parsing and planning
    of a second statement and the ORM's compiling of it. Uncorrelated, so both
    databases run it once per statement, not per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


@contextmanager
def bulk_load(model: type[Model]) -> Iterator[None]:
    """Around writing many rows of ``model`` in the current transaction (an import).

    On PostgreSQL, a GIN index (the search indexes) first collects new keys in a pending
    list and merges it into the index whenever the list is full: with a larger list and
    more memory to merge it in, the merge runs a fifth faster. At the end the list is
    merged once more, so that searches do not read a long pending list. The settings are
    the transaction's own and restored afterwards. Where the index is not this database
    user's (merging needs the owner, like VACUUM), nothing changes."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.oid FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_am a ON a.oid = c.relam
               WHERE i.indrelid = %s::regclass AND a.amname = 'gin'
                 AND pg_has_role(c.relowner, 'USAGE')""",
            [model._meta.db_table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        if indexes:
            previous = _set_local(cursor, dict.fromkeys(_GIN_SETTINGS, BULK_GIN_MEMORY))
    yield  # an error rolls the settings back with the transaction or savepoint
    if not indexes:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(oid) FROM unnest(%s::oid[]) AS oid", [indexes]
        )
        _set_local(cursor, previous)


_GIN_SETTINGS = ("work_mem", "gin_pending_list_limit")


@contextmanager
def parallel_plans() -> Iterator[None]:
    """The block's statements planned with up to ``ZHIKE_JOB_PARALLEL_WORKERS`` parallel
    workers per step (PostgreSQL; elsewhere nothing changes), for a job's big statement.

    zhike's connections plan without parallel workers (``ZHIKE_DB_PARALLEL_WORKERS``,
    settings): under many users the workers take the cores other requests need, and a
    search's count from the search indexes took 34–42 ms with two workers where one
    process took 14–18 ms (bench/README, nineteenth session). As a setting of the
    connection it costs a search nothing; set per search, in a transaction of its own, it
    cost two statements of each one (twentieth session). A job whose aggregates are most
    of its work (the grading review's CREATE TABLE AS) asks for them back here: in a
    transaction of its own, or a savepoint of the caller's with the setting put back."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        yield
        return
    outer = connection.in_atomic_block
    workers = {"max_parallel_workers_per_gather": str(settings.ZHIKE_JOB_PARALLEL_WORKERS)}
    with transaction.atomic():
        with connection.cursor() as cursor:
            previous = _set_local(cursor, workers)
        yield
        if outer:  # the caller's transaction goes on: its own setting back
            with connection.cursor() as cursor:
                _set_local(cursor, previous)


def _set_local(cursor: Any, values: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the current transaction; their values before."""
    names = list(values)
    cursor.execute(
        "SELECT name, current_setting(name), set_config(name, value, true)"
        " FROM unnest(%s::text[], %s::text[]) AS s(name, value)",
        [names, [values[n] for n in names]],
    )
    return {name: before for name, before, _after in cursor.fetchall()}


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """A cursor for a hot statement of fixed text: on PostgreSQL it binds its parameters
    on the server, so psycopg prepares the statement after ``prepare_threshold`` runs on
    the connection (settings) and the server plans it once instead of at every run (a
    claim: planning 1.9 ms, running 1.5 ms). Django's own cursors bind on the client
    (every run is a new text) and are never prepared. Still Django's cursor wrapper, so
    the statement is logged and counted like any other. Elsewhere, the usual cursor."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg  # only where the database is PostgreSQL

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw: Any = psycopg.Cursor(connection.connection)  # the stubs expect a wrapper here
    # Wrapped as Django wraps its own: execute wrappers, errors, the debug log.
    debug = connection.queries_logged
    cursor = connection.make_debug_cursor(raw) if debug else connection.make_cursor(raw)
    with cursor:
        yield cursor


def reserve_ids(model: type[Model], count: int) -> list[int] | None:
    """``count`` primary keys for new rows of ``model``, taken from its sequence, so rows
    can be written with their keys (and rows that point at them written straight after)
    without reading them back. PostgreSQL only; ``None`` elsewhere."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or count <= 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


IMMUTABLE = (datetime, date, Decimal, bool, float)


def insert_rows(
    model: type[Model], rows: Iterable[Mapping[str, Any]], *, with_pk: bool = False
) -> None:
    """INSERT new rows of ``model``, given as ``{attname: value}`` (a field left out takes
    its default): by COPY on PostgreSQL, by ``executemany`` per 2,000 rows elsewhere.

    For imports: ``bulk_create`` assembles one SQL string with a placeholder per value,
    and a model instance per row costs more than the row's own values (half of an import
    of 100,000 customers went to ``Model.__init__`` and per-field preparation). ``rows``
    may be a generator: on PostgreSQL each row goes to the server as it is made, so the
    server indexes rows while Python makes the next ones.

    Values are bound as they are when the driver takes them (text, integers, None) and
    prepared by the field otherwise (JSON, dates on SQLite); ``auto_now`` fields get one
    stamp for all rows. The primary key is written only ``with_pk`` (keys from
    :func:`reserve_ids`).

    ``rows`` must not query the database while they are read: on PostgreSQL they go by
    COPY on the same connection, and a query inside it waits for the COPY forever.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    stamp = timezone.now()
    stamped = {
        f.attname: f.get_db_prep_save(stamp, connection)
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in stamped}
    prepare = {f.attname: partial(f.get_db_prep_save, connection=connection) for f in fields}
    names = [f.attname for f in fields]

    # An import gives every row the same datetime object (owned_since = now): prepared once
    # per column while it stays the same object (immutable types only).
    last: dict[str, tuple[Any, Any]] = {}

    def values(row: Mapping[str, Any]) -> list[Any]:
        out = []
        for name in names:
            value = stamped[name] if name in stamped else row.get(name, defaults[name])
            if value is None or type(value) in (str, int):
                out.append(value)
                continue
            seen = last.get(name)
            if seen is not None and seen[0] is value:
                out.append(seen[1])
                continue
            prepared = prepare[name](value)
            if isinstance(value, IMMUTABLE):
                last[name] = (value, prepared)
            out.append(prepared)
        return out

    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from _meta)
        for chunk in batched(rows, INSERT_CHUNK):
            cursor.executemany(sql, [values(row) for row in chunk])


def _is_unique_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc)


@contextmanager
def unique_or(error: Exception) -> Iterator[None]:
    """Run the block in a savepoint; if it breaks a unique constraint, raise ``error``.

    The closing half of a check-then-create: the check gives the friendly message in the
    ordinary case, the constraint decides a race (two requests that both passed the
    check), and the loser gets the same message instead of a 500. Other integrity errors
    pass through."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        raise error from exc


def cents(value: object) -> Decimal:
    """A sum in yuan to the fen (None counts as 0): SQLite sums decimals as floats, and
    their noise must not reach a page or a comparison."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
