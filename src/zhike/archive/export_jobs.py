"""Exports of customer lists (IMP-2, SEC-4): written at once for a short list, or queued
as a job whose file waits under VAR_DIR/exports and whose reader is told in the inbox.
Every export is logged with its filters and its row count."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from zhike.audit.services import record
from zhike.deferred import deferred, stored_title
from zhike.jobs import enqueue
from zhike.org.models import User

from .exporting import write_xlsx
from .models import Export
from .selectors import filtered_customers


def customer_export_now(
    *,
    by: User,
    q: str,
    status: str,
    target: IO[bytes] | Path,
    fields: Mapping[str, str] | None = None,
) -> int:
    """Write the user's filtered customer list to ``target`` and log the export (SEC-4)."""
    queryset = filtered_customers(by, q=q, status=status, fields=fields)
    count = write_xlsx(by, queryset, target)
    details = {"q": q, "status": status, **(fields or {}), "rows": count}
    record(by, "customer.exported", by=by, details=details)
    return count


@transaction.atomic
def customer_export_request(
    *, by: User, q: str, status: str, fields: Mapping[str, str] | None = None
) -> Export:
    """Queue a large export as a job; the user is told in the inbox when it is ready."""
    filters = {"q": q, "status": status, "fields": dict(fields or {})}
    export = Export.objects.create(id=uuid.uuid4(), user=by, filters=filters)
    enqueue("archive.run_export", str(export.pk))
    return export


def export_path(export_id: uuid.UUID | str) -> Path:
    return Path(settings.VAR_DIR) / "exports" / f"{export_id}.xlsx"


def run_export(*, export_id: str, now: datetime) -> bool:
    """The export job. Claims the export (pending → running) so a redelivered job does not
    write it twice; returns whether this run did the work."""
    from zhike.workflow.models import Notice
    from zhike.workflow.notify import notify_many

    claimed = Export.objects.filter(pk=export_id, state=Export.State.PENDING).update(
        state=Export.State.RUNNING
    )
    if not claimed:
        return False
    export = Export.objects.select_related("user").get(pk=export_id)
    path = export_path(export.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        count = customer_export_now(by=export.user, target=path, **export.filters)
    except Exception:
        Export.objects.filter(pk=export_id).update(state=Export.State.FAILED, finished_at=now)
        raise
    Export.objects.filter(pk=export_id).update(state=Export.State.DONE, rows=count, finished_at=now)
    notify_many(
        [
            Notice(
                recipient=export.user,
                kind="archive.export_ready",
                **stored_title(deferred("客户导出已完成(%(rows)s 条)", rows=count)),
                link=f"/exports/{export.pk}/",
            )
        ]
    )
    return True
