"""zhike's URLs plus ``/bench/floor``: a bare Django view running the customer list's
query (an owner's newest 50 live customers with owner and department names, and the
count capped as the list caps it) with no authentication, data scope or response schema.
What `bench/api_latency.py` compares the real endpoint with: the framework's floor.

``/bench/sql?case=NAME`` replays the statements ``bench/search.py`` captured from zhike's
search for that case (the JSON file named by ``ZHIKE_BENCH_SQL``): the same SQL through a
bare Django view, without authentication, scope, masking or response schema."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import F, Subquery
from django.http import HttpRequest, JsonResponse
from django.urls import path

from zhike.archive.models import Customer
from zhike.urls import urlpatterns as zhike_urlpatterns

FIELDS = (
    "id", "code", "name", "status", "phone", "customer_type", "source", "referrer_name",
    "industry", "size", "province", "city", "district", "address", "uscc", "last_contact_at",
    "owner_id", "department_id", "version", "created_at", "updated_at",
)  # fmt: skip


def owner_page(request: HttpRequest) -> JsonResponse:
    live = Customer.objects.filter(owner_id=int(request.GET["owner"]), merged_into__isnull=True)
    # As the list reads one owner's page: its ids on the (owner, id) index, then the rows.
    ids = live.order_by("-id").values("pk")[:50]
    rows = list(
        Customer.objects.filter(pk__in=Subquery(ids))
        .order_by("-id")
        .values(*FIELDS, owner_name=F("owner__username"), department_name=F("department__name"))
    )
    cap = settings.ZHIKE_LIST_COUNT_CAP
    count = live.order_by()[: cap + 1].count()
    return JsonResponse({"count": min(count, cap), "items": rows})


_captured: dict[str, object] = {"mtime": None, "cases": {}}


def _statements(case: str) -> list[str]:
    """The captured statements of ``case``, re-read when the bench writes a new file."""
    file = Path(os.environ["ZHIKE_BENCH_SQL"])
    mtime = file.stat().st_mtime
    if _captured["mtime"] != mtime:
        _captured.update(mtime=mtime, cases=json.loads(file.read_text(encoding="utf-8")))
    return _captured["cases"][case]  # type: ignore[index]


def replay(request: HttpRequest) -> JsonResponse:
    rows: list[dict[str, object]] = []
    # Each statement on its own, as zhike runs a search (autocommit); the connection plans
    # without parallel workers, as zhike's do (settings).
    with connection.cursor() as cursor:
        for statement in _statements(request.GET["case"]):
            cursor.execute(statement)
            names = [column.name for column in cursor.description or ()]
            # The page's rows as JSON objects, as an API returns them.
            found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            rows = found if len(names) > 2 else rows
    return JsonResponse({"items": rows}, json_dumps_params={"default": str})


urlpatterns = [path("bench/floor", owner_page), path("bench/sql", replay), *zhike_urlpatterns]
