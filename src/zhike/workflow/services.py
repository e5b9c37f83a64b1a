"""Writing inbox items. Delivery over other channels (NTF-2) comes with the workflow core."""

from collections.abc import Iterable

from .models import Notice


def notify_many(notices: Iterable[Notice]) -> list[Notice]:
    """Put several notices into their recipients' inboxes in one statement."""
    return Notice.objects.bulk_create(list(notices), batch_size=1000)
