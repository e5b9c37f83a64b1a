"""Writing audit events. Called by services inside their transaction."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Event


def record(
    obj: models.Model, action: str, *, by: Any = None, details: dict[str, Any] | None = None
) -> Event:
    """Append one event about ``obj``; it commits or rolls back with the caller's change."""
    return Event.objects.create(
        actor=by if by is not None and getattr(by, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        details=details or {},
    )


def events_for(obj: models.Model) -> models.QuerySet[Event]:
    """Events about ``obj``, newest first."""
    return (
        Event.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("actor")
        .order_by("-id")
    )
