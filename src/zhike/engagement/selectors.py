"""Reads of follow-ups, always through the reader's data scope (ORG-2)."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.org.scopes import visible_to

from .errors import NotFound
from .models import Attachment, FollowUp


def follow_ups_visible(user: User) -> QuerySet[FollowUp]:
    return visible_to(user, FollowUp.objects.all())


def timeline(user: User, customer_id: int) -> QuerySet[FollowUp]:
    """A customer's follow-ups, newest first (planned ones at their planned time), with
    their author, report and attachments in three queries for a page."""
    access_customer(user, customer_id)
    return follow_ups_of(customer_id)


def follow_ups_of(customer_id: int) -> QuerySet[FollowUp]:
    """:func:`timeline` for a customer whose access the caller has checked."""
    return (
        FollowUp.objects.filter(customer_id=customer_id)
        .select_related("by", "report")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-occurred_at", "-id")
    )


def access_follow_up(user: User, follow_up_id: int) -> FollowUp:
    """One follow-up the user may see; the same "not found" outside the scope."""
    found = (
        follow_ups_visible(user)
        .select_related("customer", "by", "report")
        .filter(pk=follow_up_id)
        .first()
    )
    if found is None:
        raise NotFound(_("跟进记录不存在或无权查看"))
    return found
