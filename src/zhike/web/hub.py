"""The 360° page's summary (issue 19 item 8): what the other apps know about a customer —
grade and tier with a link to their reasons, this year's trade and receivables, the open
items about it and the next contact, its key persons. The archive's page loads it by URL:
the archive sits below grading, trade and engagement and may not import them."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer, key_persons
from zhike.credit.selectors import CreditView, credit_today
from zhike.errors import CustomerNotFound
from zhike.grading.labels import level_label
from zhike.grading.selectors import standing_of
from zhike.org.models import User
from zhike.ownership.selectors import keeping_of
from zhike.policy.loader import active_policy
from zhike.policy.schema import Policy
from zhike.servicedesk.selectors import open_complaints_of_customer
from zhike.trade.metrics import Period, customer_figures
from zhike.workflow.models import Deadline, DeadlineState

OPEN_ITEMS = 5


@login_required
def customer_summary(request: HttpRequest, customer_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        customer = access_customer(user, customer_id)
    except CustomerNotFound:
        raise Http404 from None
    policy = active_policy()
    today = timezone.localdate()
    standing = standing_of(customer.pk)
    badges = []
    if standing is not None:
        for axis in ("grade", "tier", "size_class"):
            key = getattr(standing, axis)
            if key:
                badges.append((axis, level_label(policy, axis, key)))
    figures = customer_figures(
        customer.pk,
        Period(start=date(today.year, 1, 1), end=today),
        volume_unit=policy.grading.volume_unit,
    )
    # The first few open items, each carrying how many there are (one statement).
    items = list(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Customer),
            object_id=customer.pk,
            state=DeadlineState.OPEN,
        )
        .select_related("assignee")
        .annotate(open_total=Window(Count("id")))
        .order_by("due_at")[:OPEN_ITEMS]
    )
    context = {
        "customer": customer,
        "badges": badges,
        "priority": standing.priority if standing else None,
        "figures": figures,
        "year": today.year,
        "items": items,
        "more_items": max(0, items[0].open_total - OPEN_ITEMS) if items else 0,
        "key_persons": key_persons(customer.pk),
        "keeping": keeping_of(customer, policy=policy, now=timezone.now(), standing=standing),
        "open_complaints": open_complaints_of_customer(user, customer.pk),
        "credit": _credit(user, customer, policy, today, standing.grade if standing else ""),
        "now": timezone.now(),
    }
    return render(request, "web/customer_summary.html", context)


def _credit(
    user: User, customer: Customer, policy: Policy, today: date, grade: str
) -> CreditView | None:
    """Credit today (issue 16 item 10: limit, used, headroom, why not, the rating), for
    those who ship or keep the books, when the policy runs credit."""
    if not policy.credit.enabled or not (
        user.has_perm("credit.add_shipment") or user.has_perm("trade.add_invoice")
    ):
        return None
    return credit_today(customer, today, grade=grade, policy=policy.credit)
