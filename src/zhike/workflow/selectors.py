"""Reads for the inbox. A person only ever sees their own notices."""

from django.db.models import QuerySet

from zhike.org.models import User

from .models import Notice


def notices_for(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).order_by("-id")


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
