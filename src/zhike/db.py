"""Database helpers shared by the apps."""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import CharField, Field, Model, TextField
from django.utils import timezone

INSERT_CHUNK = 2000


def insert_many(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT new ``objs`` (no primary key yet) with one ``executemany`` per 2,000 rows.

    ``bulk_create`` assembles one SQL string with a placeholder per value: for an import
    of 20,000 customers and their audit events that was half of the whole commit. Here
    the statement is written once and the database driver binds each row. Values are
    prepared as Django prepares them (``pre_save``, then ``get_db_prep_save``), except
    that ``auto_now`` fields get one stamp for all rows. The objects get no primary keys:
    callers that need them look them up by a unique field they set (an import by code)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    columns = ", ".join(q(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from _meta)
    # One time stamp for the whole insert, prepared once (Django takes the clock and
    # converts it again for every row).
    stamp = timezone.now()
    stamped = {
        f: f.get_db_prep_save(stamp, connection)
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    # Text goes to the driver as it is: all Django's preparation does to a str.
    as_is = {f for f in fields if type(f) in (CharField, TextField)}
    with connection.cursor() as cursor:
        for start in range(0, len(objs), INSERT_CHUNK):
            rows = []
            for obj in objs[start : start + INSERT_CHUNK]:
                for f in stamped:
                    setattr(obj, f.attname, stamp)
                rows.append([_value(f, obj, stamped, as_is) for f in fields])
            if connection.vendor == "postgresql":
                # COPY: one stream for the chunk instead of a bind and execute per row.
                copy_sql = f"COPY {q(model._meta.db_table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, rows)


def _value(field: Field, obj: Model, stamped: dict[Field, Any], as_is: set[Field]) -> Any:
    if field in stamped:
        return stamped[field]
    value = getattr(obj, field.attname)
    if field in as_is and type(value) is str:
        return value
    return field.get_db_prep_save(field.pre_save(obj, True), connection)
