"""Database helpers shared by the apps."""

from collections.abc import Iterable, Mapping
from functools import partial
from itertools import batched
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.utils import timezone

INSERT_CHUNK = 2000


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
    :func:`reserve_ids`)."""
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

    def values(row: Mapping[str, Any]) -> list[Any]:
        out = []
        for name in names:
            value = stamped[name] if name in stamped else row.get(name, defaults[name])
            out.append(
                value if value is None or type(value) in (str, int) else prepare[name](value)
            )
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
