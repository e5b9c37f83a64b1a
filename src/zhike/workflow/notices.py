"""Writes on a person's own notices."""

from datetime import datetime

from zhike.org.models import User

from .models import Notice


def notice_mark_read(*, user: User, notice_id: int, now: datetime) -> Notice | None:
    """Mark one of ``user``'s notices read; ``None`` if it is not theirs (or missing)."""
    updated = Notice.objects.filter(pk=notice_id, recipient=user, read_at__isnull=True).update(
        read_at=now
    )
    notice = Notice.objects.filter(pk=notice_id, recipient=user).first()
    return notice if (updated or notice) else None
