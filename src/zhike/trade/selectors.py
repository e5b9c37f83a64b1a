"""Reads of the trade ledger, through the user's data scope."""

from django.db.models import Prefetch, QuerySet

from zhike.org.models import User
from zhike.org.scopes import visible_to

from .models import Invoice, Order, OrderLine


def orders_for(user: User, *, customer_id: int | None = None) -> QuerySet[Order]:
    orders = visible_to(user, Order.objects.all())
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return orders.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))


def invoices_for(user: User, *, customer_id: int) -> QuerySet[Invoice]:
    return visible_to(user, Invoice.objects.filter(customer_id=customer_id))
