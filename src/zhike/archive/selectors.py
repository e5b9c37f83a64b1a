"""Reads of the archive, always through the user's data scope (ORG-2)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from zhike.audit.services import events_for
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.schema import Policy

from .errors import CustomerNotFound
from .models import (
    CompanySize,
    Customer,
    CustomerStatus,
    CustomerType,
    Interaction,
    SourceChannel,
)
from .search import normalize_query


def with_display_names(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Add ``owner_name`` and ``department_name`` as columns of the same query: cheaper
    than loading a whole User and Department object per row."""
    return queryset.annotate(
        owner_name=Coalesce(NullIf(F("owner__display_name"), Value("")), F("owner__username")),
        department_name=F("department__name"),
    )


def customers_for(user: User) -> QuerySet[Customer]:
    """Every customer ``user`` may see."""
    return visible_to(user, Customer.objects.all())


def access_customer(user: User, customer_id: int) -> Customer:
    """One customer, or :class:`CustomerNotFound` whether it is missing or out of scope."""
    try:
        return with_display_names(customers_for(user)).get(pk=customer_id)
    except Customer.DoesNotExist:
        raise CustomerNotFound() from None


def search_filter(q: str) -> Q:
    """One box for everything (archive.search): a fragment of the name, its full pinyin or
    initials, the code, USCC, a phone number or its last digits, a contact's name."""
    return Q(search_text__contains=normalize_query(q))


def filtered_customers(
    user: User, *, q: str = "", status: str = "", stale: tuple[Policy, datetime] | None = None
) -> QuerySet[Customer]:
    """The customers ``user`` may see, narrowed by the list filters."""
    queryset = customers_for(user)
    if stale is not None:
        policy, now = stale
        cutoff = now - timedelta(days=policy.archive.data_quality.stale_after_days)
        queryset = queryset.filter(updated_at__lt=cutoff)
    if q.strip():
        queryset = queryset.filter(search_filter(q))
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def customer_count(user: User, *, q: str = "", status: str = "") -> int:
    return filtered_customers(user, q=q, status=status).count()


@dataclass(frozen=True)
class CustomerPage:
    count: int
    items: list[Customer]


def customer_page(
    user: User,
    *,
    q: str = "",
    status: str = "",
    stale: tuple[Policy, datetime] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CustomerPage:
    """One page of the customers ``user`` may see, newest first, with the total count.
    ``stale=(policy, now)`` keeps only records overdue for an update (ARC-6)."""
    queryset = filtered_customers(user, q=q, status=status, stale=stale)
    items = list(with_display_names(queryset).order_by("-id")[offset : offset + limit])
    # The count is only queried when the page does not already tell it.
    count = len(items) if offset == 0 and len(items) < limit else queryset.count()
    return CustomerPage(count=count, items=items)


def can_see_full_phone(user: User, customer: Customer) -> bool:
    """SEC-5: the owner and roles with the right see the number, others a masked one."""
    return customer.owner_id == user.pk or user.has_perm("archive.view_customer_phone")


def mask_name(name: str) -> str:
    """河北纪元光电有限公司 → 河北****公司: enough to recognise, not to read (ORG-2)."""
    if len(name) <= 2:
        return name[:1] + "*"
    return f"{name[:2]}****{name[-2:]}"


def mask_phone(phone: str) -> str:
    """138****5678 — keep the first 3 and last 4 digits."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def stale_customers(*, policy: Policy, now: datetime) -> QuerySet[Customer]:
    """Owned customers not updated for the policy's N days and not yet reported since
    their last update (ARC-6)."""
    cutoff = now - timedelta(days=policy.archive.data_quality.stale_after_days)
    return Customer.objects.filter(updated_at__lt=cutoff, owner__isnull=False).filter(
        Q(stale_notified_at__isnull=True) | Q(stale_notified_at__lt=F("updated_at"))
    )


ACTION_LABELS = {
    "customer.created": _("新建客户"),
    "customer.updated": _("修改"),
    "contact.added": _("添加联系人"),
}


FIELD_LABELS = {"id_number": _("身份证号")}


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event as people read it: field labels, status labels, not column names."""

    created_at: datetime
    actor: str
    label: str
    changes: list[tuple[str, str, str]]


def _readable(field: str, value: object) -> str:
    choices = {
        "status": CustomerStatus,
        "customer_type": CustomerType,
        "source": SourceChannel,
        "size": CompanySize,
    }.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return "" if value is None else str(value)


def customer_history(customer: Customer, *, limit: int = 50) -> list[HistoryEntry]:
    """The customer's latest changes (ARC-9), newest first. The caller has checked scope."""
    entries = []
    for event in events_for(customer)[:limit]:
        changes = [
            (
                str(
                    FIELD_LABELS.get(field)
                    or getattr(Customer._meta.get_field(field), "verbose_name", field)
                ),
                _readable(field, old),
                _readable(field, new),
            )
            for field, (old, new) in event.details.get("changes", {}).items()
        ]
        entries.append(
            HistoryEntry(
                created_at=event.created_at,
                actor=str(event.actor) if event.actor else str(_("系统")),
                label=str(ACTION_LABELS.get(event.action, event.action)),
                changes=changes,
            )
        )
    return entries


def timeline(customer: Customer) -> QuerySet[Interaction]:
    """The customer's follow-ups, newest first (ENG-6). The caller has checked scope."""
    return customer.interactions.select_related("by").order_by("-occurred_at", "-id")
