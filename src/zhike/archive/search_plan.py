"""How a search finds its page and its count among a million customers (issue 18).

Left to itself, PostgreSQL answers "the newest 50 customers in my scope matching 光电" in
one of two ways, each bad for half the terms. It walks the scope's (owner, id) index newest
first and checks each row: fast for 光电 (one customer in twenty), but for a term held by
one customer in ten thousand it reads the scope's whole index. Or it reads every match
from the search index and sorts them: fast for a rare term, 50,000 rows read for 光电.
Which one a term is, it guesses from statistics that a ``LIKE '%…%'`` pattern defeats:
initials jygd walked the primary key past 84,000 rows (37 ms).

So a search first probes the newest ``ZHIKE_SEARCH_PROBE`` customers of its scope, each
scope branch on its own index: a fraction of a millisecond, and exact for those ids. A term
found there is common: it reads on in id order as far as its page needs (up to
``ZHIKE_SEARCH_WINDOW`` rows), then counts to the cap. A term not found there, or too
sparse to fill its page within the window, is rare: the rest of its page and its count come
from the search indexes in one statement, ordered by an expression so that the planner
cannot walk the primary key. The count stops, as the list's does, at the cap.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from math import ceil
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Max, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact

from zhike.compiled import CompiledQueries, CompiledQuery
from zhike.org.scopes import Reach, reach_branches

from .models import Customer, CustomerTally

# The search's filters on a queryset; ``indexed`` chooses the form the search indexes serve
# (below the window) over the form cheapest to check row by row (within it).
Narrowed = Callable[[QuerySet[Customer], bool], QuerySet[Customer]]


@dataclass(frozen=True)
class SearchWindow:
    branches: list[Q] | None  # the scope's branches (None: the whole table)
    top: int  # the newest id
    share: float  # the scope's share of the ids

    @classmethod
    def sized(cls, branches: list[Q] | None, *, top: int, scope_rows: int) -> "SearchWindow":
        """The search below ``top`` (the newest id) in a scope of ``scope_rows`` customers,
        taken to be spread evenly over the ids."""
        share = min(max(scope_rows, 1) / max(top, 1), 1.0)
        return cls(branches=branches, top=top, share=share)

    def find(self, narrowed: Narrowed, *, offset: int, end: int, cap: int) -> tuple[list[int], int]:
        """The ids of the page ``[offset:end]``, newest first, and how many match up to
        ``cap + 1`` (more than the cap).

        A probe of the newest ``ZHIKE_SEARCH_PROBE`` customers of the scope tells a common
        term from a rare one. A common term reads on in id order as far as its page needs;
        a rare one (none in the probe, or too few to fill the page within the window) takes
        the rest of its page and its count from the search indexes in one statement."""
        ids: list[int] = []
        # From the scope's newest id down: newer rows (another user's import) are none of
        # its own, and walking them cost 123 ms at a million.
        read, upper, step = 0.0, self.top, float(settings.ZHIKE_SEARCH_PROBE)
        probe = self._probe(narrowed, limit=end)  # compiled once, run for each window
        for _ in range(3):  # newest first, as far as the density seen so far says it needs
            floor = self._floor(read + step)
            found = [row[0] for row in probe.rows(connection.alias, floor=floor, upper=upper)]
            ids += found
            read, upper = read + step, floor
            if len(ids) >= end:
                count = self._count(narrowed, last=ids[-1], found=len(ids), cap=cap)
                return ids[offset:end], count
            if not floor:  # the whole scope is read
                return ids[offset:end], len(ids)
            if not found:  # rare, or its matches are bunched above (a code prefix): the indexes
                break
            rows = (end - len(ids)) * read / len(ids)
            if read + rows > settings.ZHIKE_SEARCH_WINDOW:
                break  # rare: the indexes
            step = max(1.5 * rows, settings.ZHIKE_SEARCH_PROBE)
        ids += self._ids(narrowed, Q(id__lte=floor), max(end, cap + 1) - len(ids), indexed=True)
        return ids[offset:end], len(ids)

    def _probe(self, narrowed: Narrowed, *, limit: int) -> CompiledQuery:
        """The newest ``limit`` matching ids in a window ``floor < id <= upper``, compiled
        once for a search's rounds (building and compiling the search's filters through the
        ORM costs more than the probe itself: ~1 ms of Python a round)."""

        def build(*, floor: int, upper: int) -> QuerySet[Any, Any]:
            window = Q(id__gt=floor, id__lte=upper)
            return self._ids_query(narrowed, window, limit, indexed=False)

        return CompiledQuery(build, ids=("floor", "upper"))

    def _floor(self, rows: float) -> int:
        """The id above which about ``rows`` of the scope's customers are (0: all of them)."""
        return max(self.top - ceil(rows / self.share), 0)

    def _count(self, narrowed: Narrowed, *, last: int, found: int, cap: int) -> int:
        """How many match, up to ``cap + 1``, when the page was full after the ids down to
        ``last``. A common term (有限公司, one customer in two) reaches the cap within a few
        thousand more rows: those are read as the window's were. A rarer one is counted from
        the search indexes, which read only its matches (科技: 30,000 of them, ~15 ms)."""
        needed = (self.top - last) * (cap + 1) / found  # ids to read to reach the cap
        if needed * self.share <= 2 * settings.ZHIKE_SEARCH_WINDOW:
            recent = Q(id__gt=max(self.top - ceil(1.5 * needed), 0), id__lte=self.top)
            counted = self._matching(narrowed, recent, indexed=False)[: cap + 1].count()
            if counted > cap:
                return counted
        return self._matching(narrowed, Q(), indexed=True)[: cap + 1].count()

    def _branches(self, *, indexed: bool) -> list[Q] | None:
        """Below the window, the scope is checked on the rows the search indexes give: an
        owner's 318,000-row index ANDed into the bitmap of a term's 30,000 matches cost
        19 ms of a 40 ms count."""
        if not indexed or self.branches is None:
            return self.branches
        return [_unindexed(branch) for branch in self.branches]

    def _matching(self, narrowed: Narrowed, part: Q, *, indexed: bool) -> QuerySet[Customer, Any]:
        scoped = _within(_live(part), self._branches(indexed=indexed))
        return narrowed(scoped, indexed).order_by().values("pk")

    def _ids(self, narrowed: Narrowed, part: Q, limit: int, *, indexed: bool) -> list[int]:
        return list(self._ids_query(narrowed, part, limit, indexed=indexed))

    def _ids_query(
        self, narrowed: Narrowed, part: Q, limit: int, *, indexed: bool
    ) -> QuerySet[Any, Any]:
        live = _live(part)
        # Below the window the order is by an expression, so the only way to the newest is
        # through the matches the search indexes give (never a walk of the primary key).
        order = (F("id") + 0).desc() if indexed else F("id").desc()
        branches = self._branches(indexed=indexed)
        # In the window each branch reads its own index range; below it one scan of the
        # search indexes serves them all.
        if (
            not indexed
            and branches
            and len(branches) > 1
            and connection.features.supports_slicing_ordering_in_compound
        ):
            # The search's filters built once for all the branches (each ~1 ms of the ORM).
            found = narrowed(live, indexed)
            parts = [
                found.filter(b).order_by(order).values_list("id", flat=True)[:limit]
                for b in branches
            ]
            return parts[0].union(*parts[1:]).order_by("-id")[:limit]
        scoped = _within(live, branches)
        return narrowed(scoped, indexed).order_by(order).values_list("id", flat=True)[:limit]


def _live(part: Q) -> QuerySet[Customer]:
    return Customer.objects.filter(part, merged_into__isnull=True)


def _within(live: QuerySet[Customer], branches: list[Q] | None) -> QuerySet[Customer]:
    return live if branches is None else live.filter(reduce(operator.or_, branches))


def _unindexed(branch: Q) -> Q:
    """``owner_id = 6`` as ``owner_id + 0 = 6``: the same rows, no index to reach them by."""
    if len(branch.children) != 1 or not isinstance(branch.children[0], tuple):
        return branch
    name, value = branch.children[0]
    if "__" in name:
        return branch
    column = Customer._meta.get_field(name).attname  # type: ignore[union-attr]
    return Q(Exact(F(column) + 0, value))


def scope_window(reach: Reach | None) -> SearchWindow:
    """The window of a search in ``reach`` (None: everything): its branches, and the
    scope's newest id and size read in one statement compiled once per shape of reach
    (building and compiling it through the ORM at every search cost more than running
    it: ~2.5 ms of Python)."""
    if reach is None:
        query, values = _WINDOWS.get(None, lambda: _window_query(None)), {}
        branches = None
    else:
        shape = len(reach.departments)
        query = _WINDOWS.get(shape, lambda: _window_query(shape))
        values = {"owner": reach.owner, **_department_slots(reach.departments)}
        branches = reach_branches(reach, owner="owner", department="department")
    bounds = query.one(connection.alias, **values)  # as the driver gives them: a Decimal sum
    top, rows = int(bounds["top"] or 0), int(bounds["rows"] or 0)
    return SearchWindow.sized(branches, top=top, scope_rows=rows)


_WINDOWS = CompiledQueries()  # per reach shape: everything, or an owner and n departments


def _department_slots(departments: tuple[int, ...]) -> dict[str, int]:
    return {f"department{n}": pk for n, pk in enumerate(departments)}


def _window_query(departments: int | None) -> CompiledQuery:
    names = tuple(f"department{n}" for n in range(departments or 0))  # as _department_slots

    def build(**ids: int) -> QuerySet[Any, Any]:
        tallies = CustomerTally.objects.order_by()
        branches = None
        if departments is not None:
            reach = Reach(owner=ids["owner"], departments=tuple(ids[name] for name in names))
            branches = reach_branches(reach, owner="owner", department="department")
            tallied = reach_branches(reach, owner="owner_key", department="department_key")
            tallies = tallies.filter(reduce(operator.or_, tallied))
        return (
            tallies.values(one=Value(1))
            .annotate(rows=Coalesce(Sum("live"), 0), top=Max(newest_id(branches)))
            .values("rows", "top")
        )

    return CompiledQuery(build, ids=() if departments is None else ("owner", *names))


def newest_id(branches: list[Q] | None) -> Any:
    """The newest id of the scope, each branch read on its own (owner, id) or
    (department, id) index. The table's newest would not do: after another user imported
    100,000 customers, a salesperson's newest rows lie below them all, the probe of the
    newest ids found none of theirs, and 有限公司 (one customer in two) was taken for a
    rare term: a bitmap of 561,000 matches, 300 ms."""
    if not branches:
        return Subquery(Customer.objects.order_by("-id").values("id")[:1])
    # Live rows only: the (owner, id) and (department, id) indexes are of live rows, and
    # without them PostgreSQL walked the primary key down from the table's newest row,
    # through another user's 100,000 new customers (105 ms).
    live = Customer.objects.filter(merged_into__isnull=True)
    newest = [
        Coalesce(Subquery(live.filter(b).order_by("-id").values("id")[:1]), 0) for b in branches
    ]
    return newest[0] if len(newest) == 1 else Greatest(*newest)
