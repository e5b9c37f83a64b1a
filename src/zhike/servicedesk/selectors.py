"""Reads of the complaint register, always through the reader's scope (ORG-2): a handler
sees what they handle, a manager their departments' complaints, an ALL-scope role (客服,
客户关系经理, 总经理) every complaint; everyone also sees what they registered and the
complaints of their own customers."""

from datetime import datetime

from django.db.models import Q, QuerySet

from zhike.org.models import User
from zhike.org.scopes import scope_filter

from .errors import ComplaintNotFound
from .models import Complaint, ComplaintEvent, Target
from .transitions import State

VIEW = "servicedesk.view_complaint"
ADD = "servicedesk.add_complaint"
MANAGE = "servicedesk.manage_complaint"
HANDLE = "servicedesk.handle_complaint"
# The queue's order (SRV-10, s003-8 h 应优先处理 A 类客户的抱怨和投诉): major first, then
# the customer's treatment priority, then the nearest deadline.
QUEUE_ORDER = ("-major", "priority", "due_at", "id")


def complaints_for(user: User) -> QuerySet[Complaint]:
    """Without the view right, only what the user handles, registered or owns the
    customer of; with it, the user's data scope over the handling department too."""
    if not user.is_active:
        return Complaint.objects.none()
    own = Q(handler=user) | Q(registered_by=user) | Q(customer__owner=user)
    if user.has_perm(VIEW):
        scope = scope_filter(user, Complaint)
        if scope is None:
            return Complaint.objects.all()
        own |= scope
    return Complaint.objects.filter(own)


def complaint_for(user: User, complaint_id: int) -> Complaint:
    try:
        return (
            complaints_for(user)
            .select_related("customer", "handler", "department")
            .get(pk=complaint_id)
        )
    except Complaint.DoesNotExist:
        raise ComplaintNotFound() from None


def queue(
    user: User, *, team: str = "", mine: bool = False, include_closed: bool = False
) -> QuerySet[Complaint]:
    """Open complaints in queue order: the user's own (``mine``), a team's, or all the
    user may see."""
    items = Complaint.objects.filter(handler=user) if mine else complaints_for(user)
    if not include_closed:
        items = items.exclude(state=State.CLOSED)
    if team:
        items = items.filter(team=team)
    return items.select_related("customer", "handler").order_by(*QUEUE_ORDER)


def history_of(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("by").order_by("at", "id")


def targets_of(complaint: Complaint) -> QuerySet[Target]:
    return complaint.targets.order_by("-round", "due_at", "kind")


def previous_complaint(
    *, customer_id: int | None, phone: str, since: datetime, exclude_id: int | None = None
) -> Complaint | None:
    """The latest complaint of this customer or phone received since ``since`` (a repeat,
    s003-18)."""
    condition = Q()
    if customer_id:
        condition |= Q(customer_id=customer_id)
    if phone:
        condition |= Q(phone=phone)
    if not condition:
        return None
    items = Complaint.objects.filter(condition, received_at__gte=since)
    if exclude_id:
        items = items.exclude(pk=exclude_id)
    return items.order_by("-received_at").first()


def public_status(number: str, phone: str) -> Complaint | None:
    """The complaint with this number *and* phone (the public page's lookup): a wrong
    pair reads as missing, so numbers cannot be probed for their contents."""
    if not number or not phone:
        return None
    return Complaint.objects.filter(number=number.strip().upper(), phone=phone).first()


def phone_for(user: User, complaint: Complaint) -> str:
    """The contact phone as ``user`` may see it (SEC-5): whole for the people who talk to
    the complainant (the handler, who registered it, the customer's owner), masked for
    everyone else — a complaint must not be a way round a customer's masked number."""
    from zhike.archive.selectors import mask_phone

    customer_owner = complaint.customer.owner_id if complaint.customer else None
    if user.pk in (complaint.handler_id, complaint.registered_by_id, customer_owner):
        return complaint.phone
    return mask_phone(complaint.phone)


def open_complaints_of_customer(user: User, customer_id: int) -> int:
    """How many of the customer's complaints are open, of those ``user`` may see."""
    return complaints_for(user).filter(customer_id=customer_id).exclude(state=State.CLOSED).count()


def handling_summary(
    user: User, *, now: datetime, limit: int = 5
) -> tuple[int, int, list[Complaint]]:
    """(open, overdue, the first few in queue order) of the complaints ``user`` handles:
    the workbench's card."""
    from django.db.models import Count

    mine = Complaint.objects.filter(handler=user).exclude(state=State.CLOSED)
    counts = mine.aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now, paused=False))
    )
    return counts["open"], counts["overdue"], list(mine.order_by(*QUEUE_ORDER)[:limit])
