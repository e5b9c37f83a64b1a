"""Writes on a person's own notices (NTF-1): read one, read all, and the notices about a
thing that has been dealt with."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from zhike.org.models import User

from .models import Notice


def notice_mark_read(*, user: User, notice_id: int, now: datetime) -> Notice | None:
    """Mark one of ``user``'s notices read; ``None`` if it is not theirs (or missing)."""
    updated = Notice.objects.filter(pk=notice_id, recipient=user, read_at__isnull=True).update(
        read_at=now
    )
    notice = Notice.objects.filter(pk=notice_id, recipient=user).first()
    return notice if (updated or notice) else None


def notices_mark_all_read(*, user: User, now: datetime) -> int:
    """全部已读: every unread notice of ``user``, in one statement; how many."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)


def notices_about_settled(*, subject: Model, now: datetime) -> int:
    """The unread notices about ``subject`` (an approval step someone decided): read for
    every recipient, since nothing is left for them to do."""
    return Notice.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        read_at__isnull=True,
    ).update(read_at=now)


def safe_link(link: str) -> str:
    """A notice's link as a place inside zhike ("/customers/7/"), or "" — opening a notice
    never sends anyone to another site."""
    return link if link.startswith("/") and not link.startswith(("//", "/\\")) else ""
