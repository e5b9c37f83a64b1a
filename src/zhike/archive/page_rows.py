"""The rows of a search's page, read by their ids (``selectors.customer_page``) through a
statement compiled once per shape of reach and columns.

Built and compiled by the ORM at every search, that read cost 2.7 ms for 50 rows, of which
the database's answer was 1.2 ms and the building and compiling 0.95 (twentieth session).
Compiled once, the ids go as one array parameter (``zhike.db.AnyOf``), which PostgreSQL
takes; SQLite binds each id on its own, so there the ORM builds the query as before."""

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import connections, router
from django.db.models import F, QuerySet

from zhike.compiled import CompiledQueries, CompiledQuery
from zhike.db import AnyOf
from zhike.org.models import User
from zhike.org.scopes import reach_of

from .models import Customer
from .one_customer import in_reach, with_display_names


def page_rows(user: User, ids: list[int], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The customers ``ids`` that ``user`` may see, newest first, as dicts of ``columns``
    (``owner_name`` and ``department_name`` among them if wanted)."""
    using = router.db_for_read(Customer)
    columns = tuple(dict.fromkeys(columns))
    reach = reach_of(user)
    if not ids or (reach is not None and reach.owner is None):
        return []
    departments = -1 if reach is None else len(reach.departments)
    names = tuple(f"department{n}" for n in range(max(departments, 0)))
    build = partial(_page, columns=columns, departments=names if departments >= 0 else None)
    values: dict[str, Any] = {}
    if reach is not None:
        values = {"owner": reach.owner} | dict(zip(names, reach.departments, strict=True))
    if connections[using].vendor != "postgresql":
        return list(build(ids=ids, **values))
    compiled = _PAGES.get(
        (departments, columns),
        lambda: CompiledQuery(build, ids=tuple(values), arrays=("ids",)),
    )
    return [dict(zip(columns, row, strict=True)) for row in compiled.rows(using, ids=ids, **values)]


_PAGES = CompiledQueries()  # by the number of departments reached (-1: all) and the columns


def _page(
    *, ids: list[int], columns: tuple[str, ...], departments: tuple[str, ...] | None, **reach: int
) -> QuerySet[Any, Any]:
    live = Customer.objects.filter(AnyOf(F("pk"), ids), merged_into__isnull=True)
    scoped = in_reach(live, departments=departments, **reach)
    return with_display_names(scoped).order_by("-id").values(*columns)
