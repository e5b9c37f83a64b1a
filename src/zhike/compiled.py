"""A queryset compiled once and run many times with other values.

Django compiles a queryset to SQL every time it is evaluated. For the small, fixed-shape
reads that every page makes — the navigation's three counts — compiling costs more than
the database: 1.8 ms of a 2.9 ms call on PostgreSQL. ``CompiledQuery`` builds the
queryset once per database from stand-in values, finds where they went in the
parameters, and then only swaps the real values in. (django-prepared-queries does the
same substitution; its releases are for Django versions long gone, so it was not taken.)

Stand-ins are an id no row has (negative), and an instant and days no row holds (1900).
Only ids, lists of ids, aware datetimes and dates can be slots (a list only where it goes
as one parameter: ``zhike.db.AnyOf`` on PostgreSQL); a build whose SQL changes with the
values (an ``if`` on them, a list that depends on them) must not be compiled once — the
stand-ins would not be found, and the first compile says so. What else shapes the SQL is
taken at the first compile: the time zone of a ``__date`` lookup is the settings' one
(zhike never activates another).

``one`` and ``rows`` return what the database driver gives, without Django's field
converters (SQLite gives sums of decimals as floats, datetimes as text): for counts, ids,
text and sums the caller rounds. ``instances`` converts the model's fields.
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

_ID_STAND_IN = -7_310_531
_TIME_STAND_IN = datetime(1900, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
_DATE_STAND_IN = date(1900, 3, 4)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, slot name)
    columns: tuple[str, ...]


class CompiledQuery:
    """``CompiledQuery(build, ids=("user",), times=("now",))``: ``build(user=…, now=…)``
    returns a values() queryset (``dates=`` names date slots, ``arrays=`` lists of ids);
    ``one(using, user=5, now=t)`` runs its SQL with those values and returns the first row
    as a dict ({} if there is none), ``rows(…)`` every row as tuples; ``instances(Model,
    using, …)`` returns a model queryset's rows as instances."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any, Any]],
        *,
        ids: tuple[str, ...] = (),
        times: tuple[str, ...] = (),
        dates: tuple[str, ...] = (),
        arrays: tuple[str, ...] = (),
    ) -> None:
        self._build = build
        self._ids = ids
        self._arrays = arrays
        self._times = times
        self._dates = dates
        self._statements: dict[str, _Statement] = {}  # per database alias

    def _stand_ins(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: _ID_STAND_IN - n for n, name in enumerate(self._ids)}
        for n, name in enumerate(self._times):
            values[name] = _TIME_STAND_IN + timedelta(microseconds=n)
        for n, name in enumerate(self._dates):
            values[name] = _DATE_STAND_IN + timedelta(days=n)
        for n, name in enumerate(self._arrays):
            values[name] = [_ID_STAND_IN - 1000 - n]
        return values

    def _compile(self, using: str) -> _Statement:
        connection = connections[using]
        stand_ins = self._stand_ins()
        queryset = self._build(**stand_ins)
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        adapted = {name: self._adapt(connection, name, value) for name, value in stand_ins.items()}
        slots = tuple(
            (position, name)
            for position, param in enumerate(params)
            for name, value in adapted.items()
            if _same(param, value)
        )
        missing = set(stand_ins) - {name for _, name in slots}
        if missing or any(str(value) in sql for value in adapted.values()):
            raise ValueError(f"not a fixed-shape query: slots {sorted(missing)} not parameters")
        columns = tuple(queryset.query.values_select) + tuple(queryset.query.annotation_select)
        return _Statement(sql, tuple(params), slots, columns)

    def _adapt(self, connection: Any, name: str, value: Any) -> Any:
        if name in self._times:
            return connection.ops.adapt_datetimefield_value(value)
        if name in self._dates:
            return connection.ops.adapt_datefield_value(value)
        return value

    def _bound(self, using: str, values: Mapping[str, Any]) -> tuple[_Statement, list[Any]]:
        statement = self._statements.get(using)
        if statement is None:
            statement = self._statements[using] = self._compile(using)
        connection = connections[using]
        params = list(statement.params)
        for position, name in statement.slots:
            value = self._adapt(connection, name, values[name])
            wrapper = type(params[position])  # Int8(…) for a BigIntegerField on psycopg 3
            params[position] = wrapper(value) if isinstance(value, int) else value
        return statement, params

    def statement(self, using: str, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameters with these values, to run or to embed in another
        statement."""
        statement, params = self._bound(using, values)
        return statement.sql, params

    def one(self, using: str, **values: Any) -> Mapping[str, Any]:
        statement, params = self._bound(using, values)
        with connections[using].cursor() as cursor:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
        return {} if row is None else dict(zip(statement.columns, row, strict=True))

    def rows(self, using: str, **values: Any) -> list[tuple[Any, ...]]:
        """Every row, as tuples in the order of the values() columns."""
        statement, params = self._bound(using, values)
        with connections[using].cursor() as cursor:
            cursor.execute(statement.sql, params)
            return cursor.fetchall()

    def instances[M: Model](self, model: type[M], using: str, **values: Any) -> list[M]:
        """The rows as ``model`` instances, annotations as attributes (a model queryset
        without select_related: the columns are the model's and the annotations)."""
        statement, params = self._bound(using, values)
        return list(model._default_manager.raw(statement.sql, params, using=using))

    def instance[M: Model](self, model: type[M], using: str, **values: Any) -> M | None:
        """The first row as a ``model`` instance; None if there is none."""
        found = self.instances(model, using, **values)
        return found[0] if found else None


def _same(param: Any, value: Any) -> bool:
    """``param`` is the stand-in ``value``. Django binds an integer column's value in
    the driver's type for it (psycopg 3: ``Int8(…)`` for a BigIntegerField, an int
    subclass): an id slot is any int equal to its stand-in."""
    if isinstance(value, int) and not isinstance(value, bool):
        return isinstance(param, int) and not isinstance(param, bool) and param == value
    return type(param) is type(value) and param == value


class CompiledQueries:
    """One CompiledQuery per shape of a read whose SQL varies with something other than
    its slots (a page size, how many departments a reach has, which parts are asked):
    ``family.get(shape, make)`` makes the shape's query the first time it is asked."""

    def __init__(self) -> None:
        self._by_shape: dict[Hashable, CompiledQuery] = {}

    def get(self, shape: Hashable, make: Callable[[], CompiledQuery]) -> CompiledQuery:
        found = self._by_shape.get(shape)
        if found is None:
            found = self._by_shape.setdefault(shape, make())
        return found
