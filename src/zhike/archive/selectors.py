"""Reads of the archive, always through the user's data scope (ORG-2)."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Max, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from zhike.audit.models import Event
from zhike.db import CountOf
from zhike.org.models import User
from zhike.org.scopes import reach_of, scope_branches, visible_to
from zhike.policy.schema import Policy

from .models import (
    CompanySize,
    Customer,
    CustomerStatus,
    CustomerTally,
    CustomerType,
    SourceChannel,
)
from .one_customer import access_customer as access_customer  # re-exported: callers' API
from .one_customer import key_persons as key_persons
from .one_customer import tag_names as tag_names
from .one_customer import with_display_names
from .page_rows import page_rows
from .search_filters import PHONE_MIN, PHONE_TAIL, search_filter, text_filter, typed_contains
from .search_plan import Narrowed, SearchWindow, newest_id, scope_window


def customers_for(user: User) -> QuerySet[Customer]:
    """Every customer ``user`` may see (merged-away tombstones excluded)."""
    return visible_to(user, Customer.objects.filter(merged_into__isnull=True))


def customers_with_phone(phone: str) -> QuerySet[Customer]:
    """Live customers with exactly this phone (as stored), the oldest first: through the
    search key's index (it holds the digits), then the exact number. A caller's full number
    finds its customer; a fragment finds nothing (SEC-5)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return Customer.objects.none()
    return (
        Customer.objects.filter(typed_contains(digits), phone=phone, merged_into__isnull=True)
        .select_related("owner")
        .order_by("pk")
    )


@dataclass(frozen=True)
class ListFilter:
    """One filter of the customer list: the lookup it becomes, and the values it may take
    (``None``: any text)."""

    lookup: str
    allowed: frozenset[str] | None = None


# Filters of the customer list — the page's selects, the API's query parameters, saved
# views and exports. Region and industry match as a prefix, so 河北 finds 河北省 and 石家庄
# finds 石家庄市; 负责人 is a user id, a tag its exact name.
LIST_FIELDS: dict[str, ListFilter] = {
    "customer_type": ListFilter("customer_type", frozenset(CustomerType.values)),
    "source": ListFilter("source", frozenset(SourceChannel.values)),
    "size": ListFilter("size", frozenset(CompanySize.values)),
    "industry": ListFilter("industry__startswith"),
    "province": ListFilter("province__startswith"),
    "city": ListFilter("city__startswith"),
    "owner": ListFilter("owner_id"),
    # The grade and tier the grading app keeps (its Standing row): analytics links here.
    "grade": ListFilter("standing__grade"),
    "tier": ListFilter("standing__tier"),
    "tag": ListFilter("tags__name"),
}


def list_fields(params: Mapping[str, Any]) -> dict[str, str]:
    """The list filters set in ``params`` (a query string, a saved view, an export job).
    A value that is not a choice is dropped rather than refused: an old bookmark still
    opens the list."""
    fields = {}
    for field, rule in LIST_FIELDS.items():
        value = str(params.get(field) or "").strip()[:50]
        if not value or (rule.allowed is not None and value not in rule.allowed):
            continue
        if field == "owner" and not (value.isdigit() and len(value) <= 18):
            continue
        fields[field] = value
    return fields


def filtered_customers(
    user: User,
    *,
    q: str = "",
    status: str = "",
    stale: tuple[Policy, datetime] | None = None,
    fields: Mapping[str, str] | None = None,
) -> QuerySet[Customer]:
    """The customers ``user`` may see, narrowed by the list filters (``fields`` from
    :func:`list_fields`)."""
    return _narrowed(
        customers_for(user), q=q, status=status, stale=stale, fields=fields, searcher_id=user.pk
    )


def _narrowed(
    queryset: QuerySet[Customer],
    *,
    q: str,
    searcher_id: int | None,
    status: str,
    stale: tuple[Policy, datetime] | None,
    fields: Mapping[str, str] | None,
    indexed: bool = True,
) -> QuerySet[Customer]:
    for field, value in (fields or {}).items():
        queryset = queryset.filter(**{LIST_FIELDS[field].lookup: value})
    if stale is not None:
        policy, now = stale
        cutoff = now - timedelta(days=policy.archive.data_quality.stale_after_days)
        queryset = queryset.filter(updated_at__lt=cutoff)
    if q.strip():
        queryset = queryset.filter(search_filter(q, searcher_id=searcher_id, indexed=indexed))
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def customer_count(
    user: User, *, q: str = "", status: str = "", fields: Mapping[str, str] | None = None
) -> int:
    """How many customers match; the whole scope's figure from the maintained tallies."""
    if not (q.strip() or status or fields):
        return scope_total(user)
    return filtered_customers(user, q=q, status=status, fields=fields).count()


def _tally_sum(user: User) -> Coalesce:
    """:func:`scope_total` as a column of another query (one statement for a page)."""
    total = _tallies(user).values(one=Value(1)).annotate(n=Sum("live")).values("n")[:1]
    return Coalesce(Subquery(total), 0)


def _tallies(user: User) -> QuerySet[CustomerTally]:
    return visible_to(user, CustomerTally.objects.all()).order_by()


def scope_total(user: User) -> int:
    """The exact number of live customers ``user`` may see, summed from the tallies kept
    by triggers (archive.tallies): a few hundred rows, whatever the archive's size."""
    return int(_tallies(user).aggregate(n=Coalesce(Sum("live"), 0))["n"])


# From this offset on, a page is found by its ids first (see customer_page).
DEEP_PAGE = 1000


@dataclass(frozen=True)
class CustomerPage:
    count: int
    items: list[Any]  # Customer instances, or dicts when asked for ``columns``
    count_capped: bool = False  # more than ``count`` match; the exact figure was not taken


def customer_page(
    user: User,
    *,
    q: str = "",
    status: str = "",
    stale: tuple[Policy, datetime] | None = None,
    limit: int = 50,
    offset: int = 0,
    count_cap: int | None = None,
    columns: Sequence[str] = (),
    fields: Mapping[str, str] | None = None,
) -> CustomerPage:
    """One page of the customers ``user`` may see, newest first, with the total count.
    ``stale=(policy, now)`` keeps only records overdue for an update (ARC-6).

    Counting a salesperson's 300,000 customers exactly costs more than the page itself,
    so the count stops at ``count_cap`` (default ``ZHIKE_LIST_COUNT_CAP``): the list says
    "1,000+" and pages on; ``customer_count`` gives the exact figure when asked.

    With ``columns`` the items are dicts of those columns (``owner_name`` and
    ``department_name`` among them if wanted): an API page needs no model instances."""
    cap = settings.ZHIKE_LIST_COUNT_CAP if count_cap is None else count_cap
    narrow = {"q": q, "status": status, "stale": stale, "fields": fields, "searcher_id": user.pk}
    if q.strip():  # a search finds its page and its count together (search_plan)
        window = _search_window(user, narrow)
        ids, found = window.find(_narrower(narrow), offset=offset, end=offset + limit, cap=cap)
        # The ids matched within the scope: their rows are read through the scope again,
        # not through the search's filters (compiling them cost more than the read).
        if columns:
            items: list[Any] = page_rows(user, ids, columns)
        else:
            items = list(with_display_names(customers_for(user)).filter(pk__in=ids).order_by("-id"))
        return CustomerPage(count=min(found, cap), items=items, count_capped=found > cap)
    # Built only for a list: a search's filters are built by search_plan, and building
    # them here as well cost ~2 ms of Python a search (the ORM's add_q).
    queryset = filtered_customers(user, q=q, status=status, stale=stale, fields=fields)
    rows = with_display_names(queryset).order_by("-id")
    capped = queryset.order_by().values("pk")[: cap + 1]
    # The whole scope is counted exactly from the tallies (one small sum). A filtered list
    # counts on an index range, cheaply: the count rides along as a column of the page's
    # rows, one statement instead of two.
    whole_scope = not (q.strip() or status or stale or fields)
    if whole_scope:
        rows = rows.annotate(**{PAGE_COUNT: _tally_sum(user)})
    else:
        rows = rows.annotate(**{PAGE_COUNT: CountOf(capped)})
    start = offset
    picked = _page_ids(user, queryset, narrow=narrow, offset=offset, end=offset + limit)
    if picked is not None:
        rows, start = rows.filter(pk__in=picked), 0
    if columns:
        rows = rows.values(*dict.fromkeys(columns), PAGE_COUNT)
    items = list(rows[start : start + limit])
    if whole_scope:  # exact, whatever the cap
        count = _take_page_count(items) if items else scope_total(user)
        return CustomerPage(count=count, items=items)
    if items:
        count = _take_page_count(items)
    elif offset == 0:
        count = 0
    else:  # a page past the end
        count = capped.count()
    return CustomerPage(count=min(count, cap), items=items, count_capped=count > cap)


PAGE_COUNT = "page_count_"  # the name of the count's column, kept out of the items


def _take_page_count(items: list[Any]) -> int:
    """The count column of a page's rows, taken out of rows that are dicts."""
    first = items[0]
    if not isinstance(first, dict):
        return int(getattr(first, PAGE_COUNT))
    count = int(first[PAGE_COUNT])
    for item in items:
        del item[PAGE_COUNT]  # not a field of the customer
    return count


def _search_window(user: User, narrow: dict[str, Any]) -> SearchWindow:
    """Where a search looks first (``search_plan``): the scope's branches, or the one owner
    the list is filtered to."""
    reach = reach_of(user)
    owner = narrow["fields"] and narrow["fields"].get("owner")
    if not owner and (reach is None or reach.owner is not None):
        return scope_window(reach)  # compiled once per shape of scope
    branches = [Q(owner_id=owner)] if owner else scope_branches(user, Customer)
    # One statement for both: the scope's newest id, and its size from the tallies.
    bounds = _tallies(user).aggregate(rows=Coalesce(Sum("live"), 0), top=Max(newest_id(branches)))
    return SearchWindow.sized(branches, top=bounds["top"] or 0, scope_rows=bounds["rows"])


def _narrower(narrow: dict[str, Any]) -> Narrowed:
    return lambda queryset, indexed: _narrowed(queryset, **narrow, indexed=indexed)


def _page_ids(
    user: User, queryset: QuerySet[Customer], *, narrow: dict[str, Any], offset: int, end: int
) -> QuerySet[Any] | None:
    """The ids of a page, as a subquery, where reading whole rows by "-id" would be slow;
    ``None`` where it is not.

    A page of whole rows by "-id" lets PostgreSQL walk the primary key backwards and
    filter on the scope, which reads every newer row outside it: after another user
    imported 100,000 customers, 34–43 ms a page at a million instead of 0.2–0.5 ms. So a
    scoped page picks its ids first, each branch of the scope on its own (owner, id) or
    (department, id) index; deep pages too (OFFSET over whole rows reads every row it
    skips: page 200 at 1M, 13 → 1.4 ms)."""
    branches = scope_branches(user, Customer)
    if narrow["fields"] and narrow["fields"].get("owner"):
        branches = [Q(owner_id=narrow["fields"]["owner"])]
    if branches and len(branches) > 1 and connection.features.supports_slicing_ordering_in_compound:
        # Each branch by itself, not within the whole scope's OR, so that its index
        # alone answers it; the page's rows are still read through the whole scope.
        live = Customer.objects.filter(merged_into__isnull=True)
        parts = [
            _narrowed(live.filter(b), **narrow).order_by("-id").values_list("id")[:end]
            for b in branches
        ]
        return parts[0].union(*parts[1:]).order_by("-id")[offset:end]
    if branches or offset >= DEEP_PAGE:
        return queryset.order_by("-id").values("pk")[offset:end]
    return None


def can_see_full_phone(user: User, owner_id: int | None) -> bool:
    """SEC-5: a customer's owner sees its numbers (and its contacts'); everyone else a
    masked one. Roles with the right to full numbers reveal them one customer at a time
    (``services.phone_reveal``), and each reveal is audited."""
    return owner_id is not None and owner_id == user.pk


def may_reveal_phone(user: User) -> bool:
    return user.has_perm("archive.view_customer_phone")


def mask_name(name: str) -> str:
    """河北纪元光电有限公司 → 河北****公司: enough to recognise, not to read (ORG-2)."""
    if len(name) <= 2:
        return name[:1] + "*"
    return f"{name[:2]}****{name[-2:]}"


def mask_phone(phone: str) -> str:
    """138****5678: the first 3 and last 4 digits of a mobile or a landline with its area
    code, only the last 4 of a shorter number (the last 4 are what search may match)."""
    digits = len(phone)
    if digits < PHONE_MIN:
        return "*" * digits
    head = 3 if digits >= 11 else 0
    return f"{phone[:head]}{'*' * (digits - head - PHONE_TAIL)}{phone[-PHONE_TAIL:]}"


# Mainland area codes of three digits (010 Beijing, 02x the big cities); the rest have four.
THREE_DIGIT_AREAS = re.compile(r"0(10|2\d)")


def display_phone(phone: str, *, full: bool) -> str:
    """A stored number as people write it (SEC-5 masked unless ``full``): mobiles as
    13812345678 / 138****5678, landlines with their area code apart, 0571-87001234 /
    0571-****1234 (the area code is a city, not a secret); foreign numbers in E.164."""
    if phone.startswith("0") and phone.isdigit() and len(phone) >= 10:
        area = 3 if THREE_DIGIT_AREAS.match(phone) else 4
        head, line = phone[:area], phone[area:]
        if not full:
            line = "*" * (len(line) - PHONE_TAIL) + line[-PHONE_TAIL:]
        return f"{head}-{line}"
    return phone if full else mask_phone(phone)


def stale_customers(*, policy: Policy, now: datetime) -> QuerySet[Customer]:
    """Owned customers not updated for the policy's N days and not yet reported since
    their last update (ARC-6)."""
    cutoff = now - timedelta(days=policy.archive.data_quality.stale_after_days)
    return Customer.objects.filter(updated_at__lt=cutoff, owner__isnull=False).filter(
        Q(stale_notified_at__isnull=True) | Q(stale_notified_at__lt=F("updated_at"))
    )


ACTION_LABELS = {
    "customer.created": _("新建客户"),
    "customer.imported": _("导入"),
    "customer.merged": _("合并重复客户"),
    "customer.merged_into": _("已合并到其他客户"),
    "customer.updated": _("修改"),
    "contact.added": _("添加联系人"),
    "customer.tagged": _("修改标签"),
    "customer.phone_revealed": _("查看完整号码"),
}


FIELD_LABELS = {"id_number": _("身份证号"), "tags": _("标签")}


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event as people read it: field labels, status labels, not column names."""

    created_at: datetime
    actor: str
    label: str
    changes: list[tuple[str, str, str]]


def _readable(field: str, value: object, *, full_phone: bool = True) -> str:
    if field == "phone" and isinstance(value, str):
        return display_phone(value, full=full_phone)
    choices = {
        "status": CustomerStatus,
        "customer_type": CustomerType,
        "source": SourceChannel,
        "size": CompanySize,
    }.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return "" if value is None else str(value)


def customer_history(
    customer: Customer, *, user: User, limit: int = 50, before: datetime | None = None
) -> list[HistoryEntry]:
    """The customer's latest changes (ARC-9), newest first (those before ``before``, when
    given: the 360° timeline pages by time), phone numbers masked as everywhere else for
    ``user`` (SEC-5). The caller has checked scope."""
    full_phone = can_see_full_phone(user, customer.owner_id)
    entries = []
    ids = [customer.pk, *customer.merged.values_list("pk", flat=True)]
    events = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Customer), object_id__in=ids
        )
        .select_related("actor")
        .order_by("-id")
    )
    if before is not None:
        events = events.filter(created_at__lt=before)
    for event in events[:limit]:
        changes = [
            (
                str(
                    FIELD_LABELS.get(field)
                    or getattr(Customer._meta.get_field(field), "verbose_name", field)
                ),
                _readable(field, old, full_phone=full_phone),
                _readable(field, new, full_phone=full_phone),
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


LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "实业有限公司",
    "有限公司",
    "贸易商行",
    "集团",
    "公司",
    "商行",
    "厂",
    "店",
)


def core_name(name: str) -> str:
    """The distinctive part of a name: 河北纪元光电有限公司 → 河北纪元光电."""
    core = "".join(name.split())
    for suffix in LEGAL_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            return core[: -len(suffix)]
    return core


@dataclass(frozen=True)
class DuplicateHint:
    """A customer that may be the same as the one being entered (ARC-7)."""

    customer_id: int | None  # None when the user may not see it
    name: str  # masked when out of scope
    code: str
    owner: str
    reason: str


def _owner_label(customer: Customer) -> str:
    return str(customer.owner) if customer.owner else str(_("公海"))


def possible_duplicates(
    user: User,
    *,
    name: str = "",
    phone: str = "",
    uscc: str = "",
    exclude: int | None = None,
    limit: int = 5,
    show_owner: bool = True,
) -> list[DuplicateHint]:
    """Customers with the same USCC or phone, or whose name contains this one's core
    name — across the whole archive, since a duplicate is most often someone else's
    customer; those the user may not see are shown masked, with their owner unless
    ``show_owner`` is off (the policy's duplicate_check)."""
    conditions: list[tuple[str, Q]] = []
    if uscc:
        conditions.append((str(_("统一社会信用代码相同")), Q(uscc=uscc)))
    if phone:
        conditions.append((str(_("电话相同")), Q(phone=phone) | Q(contacts__phone=phone)))
    core = core_name(name)
    if len(core) >= 2:
        conditions.append((str(_("名称相近")), text_filter(core)))
    found: dict[int, tuple[Customer, str]] = {}
    for reason, condition in conditions:
        matches = Customer.objects.filter(condition, merged_into__isnull=True)
        if exclude is not None:
            matches = matches.exclude(pk=exclude)
        for customer in matches.select_related("owner").order_by("-id")[:limit]:
            found.setdefault(customer.pk, (customer, reason))
    # One query for which of them the user may see (not one per hint).
    visible = set(customers_for(user).filter(pk__in=found).values_list("pk", flat=True))
    hints = []
    for customer, reason in list(found.values())[:limit]:
        seen = customer.pk in visible
        hints.append(
            DuplicateHint(
                customer_id=customer.pk if seen else None,
                name=customer.name if seen else mask_name(customer.name),
                code=customer.code if seen else "",
                owner=_owner_label(customer) if seen or show_owner else str(_("其他同事")),
                reason=reason,
            )
        )
    return hints
