"""The archive's business operations: the only code that writes customers."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike import regions
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred, stored_text, stored_title
from zhike.jobs import enqueue
from zhike.org.models import User
from zhike.policy.schema import CUSTOMER_FIELDS, Policy
from zhike.text import has_control_characters

from .coding import next_customer_code
from .crypto import encrypt, lookup_hash
from .errors import ArchiveError, Conflict, PermissionDenied
from .lifecycle import INITIAL, may_change
from .models import (
    CompanySize,
    Contact,
    Customer,
    CustomerStatus,
    CustomerType,
    OwnershipChange,
    OwnershipKind,
    SavedView,
    SourceChannel,
    Tag,
)
from .search import search_text
from .selectors import (
    LIST_FIELDS,
    access_customer,
    customers_for,
    mask_name,
)
from .validators import (
    InvalidIdentifier,
    clean_phone,
    normalize_id_number,
    normalize_uscc,
)

# Fields a user may set through create/update; owner, department, code and created_by are
# decided by the system (assignment and transfer are ownership operations).
EDITABLE_FIELDS = (
    "name",
    "status",
    "phone",
    "customer_type",
    "source",
    "referrer_name",
    "industry",
    "size",
    "province",
    "city",
    "district",
    "address",
    "uscc",
    "id_number",
)
TEXT_FIELDS = ("referrer_name", "industry", "province", "city", "district", "address")
REGION_FIELDS = ("province", "city", "district")
CHOICES = {
    "status": CustomerStatus,
    "customer_type": CustomerType,
    "source": SourceChannel,
    "size": CompanySize,
}
# Django computes an enum's ``values`` on every access (an import checks 100,000 rows).
CHOICE_VALUES = {field: frozenset(choices.values) for field, choices in CHOICES.items()}
# Choices every customer has (the others may be left empty).
REQUIRED_CHOICES = frozenset({"status", "customer_type"})
HIDDEN = "******"  # what the audit trail records for an ID number


def _label(field: str) -> str:
    return str(getattr(Customer._meta.get_field(field), "verbose_name", field))


def clean_customer_data(
    data: dict[str, Any], *, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Validate and normalise user input. Every field's problem is found before raising
    (one ArchiveError naming them all), so a form shows them at once. ``current``: the
    customer's stored values, against which a partial change of its region is checked."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise ArchiveError(_("不允许设置字段 %(field)s") % {"field": field}, field=field)
    cleaned = {k: ("" if v is None else v) for k, v in data.items()}
    errors: dict[str, str] = {}
    for field, value in cleaned.items():
        if has_control_characters(value):
            errors[field] = _("不能包含控制字符")
    if "name" in cleaned:
        cleaned["name"] = str(cleaned["name"]).strip()
        if not cleaned["name"]:
            errors.setdefault("name", _("客户名称不能为空"))
    for field, values in CHOICE_VALUES.items():
        if field in REQUIRED_CHOICES and field in cleaned and not cleaned[field]:
            errors.setdefault(field, _("请选择%(field)s") % {"field": _label(field)})
        elif field in cleaned and cleaned[field] and cleaned[field] not in values:
            errors.setdefault(field, _("无效的选项"))
    for field in TEXT_FIELDS:
        if field in cleaned:
            cleaned[field] = str(cleaned[field]).strip()
    if cleaned.keys() & set(REGION_FIELDS):  # one place under one name (GB/T 2260)
        given = [str(cleaned.get(f, (current or {}).get(f, ""))) for f in REGION_FIELDS]
        try:
            cleaned.update(zip(REGION_FIELDS, regions.normalize(*given), strict=True))
        except regions.RegionError as exc:
            errors.setdefault(exc.field, str(exc))
    normalizers = {
        "phone": clean_phone,
        "uscc": normalize_uscc,
        "id_number": normalize_id_number,
    }
    for field, normalize in normalizers.items():
        if cleaned.get(field) and field not in errors:
            try:
                cleaned[field] = normalize(str(cleaned[field]))
            except InvalidIdentifier as exc:
                errors[field] = str(exc)
    if errors:
        raise ArchiveError.of_fields(list(errors.items()))
    return cleaned


@transaction.atomic
def customer_create(
    *, by: User, data: dict[str, Any], policy: Policy, now: datetime | None = None
) -> Customer:
    """Register a customer; the registering salesperson becomes its owner (OWN-1)."""
    if not by.has_perm("archive.add_customer"):
        raise PermissionDenied(_("您没有新建客户的权限"))
    cleaned = clean_customer_data(data)
    if "name" not in cleaned:
        raise ArchiveError(_("客户名称不能为空"), field="name")
    _check_uscc_free(cleaned.get("uscc", ""), by=by)
    check_status_change(None, cleaned.get("status"))
    check_required(cleaned, policy=policy)
    id_number = cleaned.pop("id_number", "")
    now = now or timezone.now()
    customer = Customer(
        code=next_customer_code(policy.archive.coding, today=timezone.localdate(now)),
        owner=by,
        owned_since=now,
        department=by.department,
        created_by=by,
        **cleaned,
    )
    _set_id_number(customer, id_number)
    customer.search_text = customer_search_text(customer)
    with unique_or(Conflict(_("该统一社会信用代码已被同时登记,请刷新后查重"), field="uscc")):
        customer.save()
    details = {"code": customer.code, **cleaned, **({"id_number": HIDDEN} if id_number else {})}
    record(customer, "customer.created", by=by, details=details)
    OwnershipChange.objects.create(
        customer=customer,
        kind=OwnershipKind.REGISTERED,
        to_user=by,
        by=by,
        at=now,
        policy_version=policy.policy.version,
    )
    return customer


def _check_uscc_free(uscc: str, *, by: User, exclude: int | None = None) -> None:
    """One USCC, one customer (ARC-7): name the holder's owner so the user can ask them;
    the other customer's name is shown only if the user may see it."""
    if not uscc:
        return
    holders = Customer.objects.filter(uscc=uscc).select_related("owner")
    if exclude is not None:
        holders = holders.exclude(pk=exclude)
    holder = holders.first()
    if holder is None:
        return
    visible = customers_for(by).filter(pk=holder.pk).exists()
    owner = str(holder.owner) if holder.owner else _("公海")
    name = holder.name if visible else mask_name(holder.name)
    raise ArchiveError(
        _("该统一社会信用代码已登记为客户“%(name)s”(负责人:%(owner)s)")
        % {"name": name, "owner": owner},
        field="uscc",
    )


def check_status_change(old: str | None, new: str | None) -> None:
    """ARC-5: only the lifecycle's transitions; a new record starts in any but blacklisted."""
    if not new:
        return
    if old is None:
        if new not in INITIAL:
            raise ArchiveError(_("新客户不能直接列入黑名单,请走黑名单审批"), field="status")
    elif not may_change(old, new):
        raise ArchiveError(
            _("客户状态不能从“%(old)s”变为“%(new)s”")
            % {"old": CustomerStatus(old).label, "new": CustomerStatus(new).label},
            field="status",
        )


def check_required(values: dict[str, Any], *, policy: Policy) -> None:
    """ARC-6: the fields the policy requires for the customer's (new) status."""
    status = values.get("status") or CustomerStatus.POTENTIAL
    missing = [
        (
            field_name,
            _("“%(status)s”的客户必须填写%(field)s")
            % {"status": CustomerStatus(status).label, "field": _label(field_name)},
        )
        for field_name in policy.archive.data_quality.required_by_status.get(status, [])
        if not values.get(field_name)
    ]
    if missing:
        raise ArchiveError.of_fields(missing)


def completeness(customer: Customer | Mapping[str, Any], policy: Policy) -> int:
    """ARC-6: the share (0–100) of the policy's completeness fields that are filled, of a
    customer or of a row of its columns."""
    fields = policy.archive.data_quality.completeness_fields
    if not fields:
        return 100
    if isinstance(customer, Mapping):
        filled = sum(1 for f in fields if customer[f])
    else:
        filled = sum(1 for f in fields if getattr(customer, f))
    return round(100 * filled / len(fields))


def _set_id_number(customer: Customer, id_number: str) -> None:
    customer.id_number_cipher = encrypt(id_number)
    customer.id_number_hash = lookup_hash(id_number)


def customer_search_text(customer: Customer) -> str:
    """The customer's search key, from its own fields and its contacts (archive.search)."""
    contacts = list(customer.contacts.values_list("name", "phone")) if customer.pk else []
    # Codes of customers merged into this one still find it (ARC-7).
    aliases = list(customer.merged.values_list("code", flat=True)) if customer.pk else []
    return search_text(
        name=customer.name,
        person=customer.customer_type == CustomerType.INDIVIDUAL,
        aliases=aliases,
        phones=[p for p in [customer.phone, *(phone for _n, phone in contacts)] if p],
        contact_names=[n for n, _p in contacts],
    )


def new_customer_search_text(values: Mapping[str, Any]) -> str:
    """The search key of a customer about to be inserted from ``values`` (an import row):
    it has no contacts or merged codes yet."""
    phone = values.get("phone")
    return search_text(
        name=values["name"],
        person=values.get("customer_type") == CustomerType.INDIVIDUAL,
        phones=[phone] if phone else [],
    )


TAGS_MAX = 20  # per customer: labels, not a second archive


@transaction.atomic
def customer_set_tags(*, by: User, customer_id: int, names: list[str]) -> list[str]:
    """Replace a customer's tags (ARC-3 characteristics): names are trimmed, blanks and
    repeats dropped; unknown names become new tags. Returns the tags, sorted."""
    access_customer(by, customer_id)  # scope check first: out of scope is "not found"
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    if any(len(n) > 30 for n in wanted):
        raise ArchiveError(_("标签不能超过 30 个字"), field="tags")
    if len(wanted) > TAGS_MAX:
        raise ArchiveError(_("每个客户最多 %(n)s 个标签") % {"n": TAGS_MAX}, field="tags")
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    before = sorted(customer.tags.values_list("name", flat=True))
    if before == wanted:
        return wanted
    Tag.objects.bulk_create([Tag(name=n) for n in wanted], ignore_conflicts=True)
    customer.tags.set(Tag.objects.filter(name__in=wanted))
    record(customer, "customer.tagged", by=by, details={"changes": {"tags": [before, wanted]}})
    return wanted


@transaction.atomic
def customer_update(
    *, by: User, customer_id: int, data: dict[str, Any], policy: Policy
) -> Customer:
    """Change a customer's editable fields. The row is locked for the whole change, so
    concurrent updates apply one after another, each with its own audit event."""
    access_customer(by, customer_id)  # scope check first: out of scope is "not found"
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    current = {f: getattr(customer, f) for f in REGION_FIELDS}
    cleaned = clean_customer_data(data, current=current)
    if "uscc" in cleaned:
        _check_uscc_free(cleaned["uscc"], by=by, exclude=customer.pk)
    check_status_change(customer.status, cleaned.get("status"))
    check_required(
        {f: getattr(customer, f) for f in CUSTOMER_FIELDS | {"status"}} | cleaned, policy=policy
    )
    id_number = cleaned.pop("id_number", None)
    changes: dict[str, list[Any]] = {
        field: [getattr(customer, field), value]
        for field, value in cleaned.items()
        if getattr(customer, field) != value
    }
    update_fields = list(changes)
    if id_number is not None and lookup_hash(id_number) != customer.id_number_hash:
        _set_id_number(customer, id_number)
        changes["id_number"] = [HIDDEN, HIDDEN]
        update_fields += ["id_number_cipher", "id_number_hash"]
    if not changes:
        return customer
    for field, (_old, new) in changes.items():
        if field != "id_number":
            setattr(customer, field, new)
    customer.search_text = customer_search_text(customer)
    customer.version = F("version") + 1
    with unique_or(Conflict(_("该统一社会信用代码已被同时登记,请刷新后查重"), field="uscc")):
        customer.save(update_fields=[*update_fields, "search_text", "version", "updated_at"])
    if by.pk == customer.owner_id:  # the owner brought the record up to date (ARC-6)
        from zhike.workflow.deadlines import deadlines_close

        deadlines_close(subject=customer, now=timezone.now(), rule="data_update")
    customer.refresh_from_db(fields=["version"])
    record(customer, "customer.updated", by=by, details={"changes": changes})
    return customer


def request_data_quality_sweep(*, by: User) -> None:
    """Run the data-quality sweep now instead of waiting for the nightly run (s001 二(三):
    the archivist's periodic review). The job is enqueued when the caller's transaction
    commits, so a rolled-back request never starts it."""
    if not by.has_perm("archive.run_data_quality_sweep"):
        raise PermissionDenied(_("您没有执行资料更新检查的权限"))
    enqueue("archive.sweep_stale_customers")


def sweep_stale_customers(*, policy: Policy, now: datetime) -> int:
    """Data-quality sweep (ARC-6): tell each owner how many of their records have gone
    ``stale_after_days`` without an update. Returns the number of records reported.

    Each record is reported once per stale spell: the compare-and-set UPDATE only claims
    rows not yet reported since their last change, so two sweeps running at once (or a
    retried one) never report a record twice. One statement per owner, not per record.
    """
    from zhike.workflow.models import Notice
    from zhike.workflow.notify import notify_many

    from .selectors import stale_customers

    stale = stale_customers(policy=policy, now=now)
    owner_ids = list(stale.order_by().values_list("owner_id", flat=True).distinct())
    days = policy.archive.data_quality.stale_after_days
    reported = 0
    for owner_id in owner_ids:
        with transaction.atomic():
            claimed = stale.filter(owner_id=owner_id).update(stale_notified_at=now)
            if not claimed:
                continue
            reported += claimed
            notify_many(
                [
                    Notice(
                        recipient_id=owner_id,
                        kind="archive.stale",
                        **stored_title(
                            deferred(
                                "%(count)s 个客户超过 %(days)s 天未更新资料",
                                count=claimed,
                                days=days,
                            )
                        ),
                        **stored_text("body", deferred("请及时更新客户资料(客户资料更新制度)。")),
                        link="/customers/?stale=1",
                    )
                ],
                policy=policy,
            )
    return reported


def clean_profile(profile: dict[str, Any], policy: Policy) -> dict[str, str]:
    """A key person's profile against the policy's template (ARC-3): known keys only,
    dates as YYYY-MM-DD (or MM-DD when the year is unknown), choices from the list."""
    template = {f.key: f for f in policy.archive.contact_profile}
    cleaned = {}
    for key, raw in profile.items():
        value = "" if raw is None else str(raw).strip()
        if not value:
            continue
        rule = template.get(key)
        if rule is None:
            raise ArchiveError(
                _("个人档案中没有“%(key)s”这一项") % {"key": key}, field=f"profile.{key}"
            )
        if rule.kind == "date" and not re.fullmatch(r"(\d{4}-)?\d{2}-\d{2}", value):
            raise ArchiveError(
                _("%(label)s应为日期,如 1980-05-01 或 05-01") % {"label": rule.label},
                field=f"profile.{key}",
            )
        if rule.kind == "choice" and value not in rule.choices:
            raise ArchiveError(
                _("%(label)s只能选:%(choices)s")
                % {"label": rule.label, "choices": "、".join(rule.choices)},
                field=f"profile.{key}",
            )
        cleaned[key] = value
    return cleaned


@transaction.atomic
def contact_add(*, by: User, customer_id: int, data: dict[str, Any], policy: Policy) -> Contact:
    """Add a contact / key person (ARC-3); their name and phone become searchable."""
    access_customer(by, customer_id)
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    name = str(data.get("name", "")).strip()
    if not name:
        raise ArchiveError(_("联系人姓名不能为空"), field="name")
    try:
        phone = clean_phone(str(data.get("phone", "")))
    except InvalidIdentifier as exc:
        raise ArchiveError(str(exc), field="phone") from None
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    contact = Contact.objects.create(
        customer=customer,
        name=name,
        phone=phone,
        title=str(data.get("title", "")).strip(),
        is_key_person=bool(data.get("is_key_person", False)),
        profile=clean_profile(dict(data.get("profile") or {}), policy),
    )
    Customer.objects.filter(pk=customer.pk).update(search_text=customer_search_text(customer))
    record(customer, "contact.added", by=by, details={"contact": name})
    return contact


def contact_recorded(
    *,
    customer_id: int,
    kind: str,
    contacted_at: datetime | None,
    next_contact_at: datetime | None,
    now: datetime,
    policy: Policy,
) -> None:
    """A follow-up was done (engagement calls this in its transaction): the customer's
    ``last_contact_at`` moves forward to ``contacted_at`` when the follow-up qualifies as
    contact — compare-and-set, so a late entry of an old visit does not turn the clock
    back —, ``next_contact_at`` is what is planned next, and an important kind obliges
    the owner to update the archive (ARC-6)."""
    if contacted_at is not None:
        Customer.objects.filter(pk=customer_id).filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=contacted_at)
        ).update(last_contact_at=contacted_at)
    Customer.objects.filter(pk=customer_id).update(next_contact_at=next_contact_at)
    _ask_for_an_update(customer_id=customer_id, kind=kind, now=now, policy=policy)


def next_contact_planned(*, customer_id: int, at: datetime | None) -> None:
    """The customer's next planned contact changed (a plan made, done or cancelled)."""
    Customer.objects.filter(pk=customer_id).update(next_contact_at=at)


def _ask_for_an_update(*, customer_id: int, kind: str, now: datetime, policy: Policy) -> None:
    """ARC-6 (s001 二(三)): an important interaction obliges the owner to bring the archive
    up to date within the policy's allowance; the owner's next update closes it."""
    from zhike.workflow.deadlines import deadline_open_by_rule
    from zhike.workflow.models import Deadline, DeadlineState

    if kind not in policy.archive.data_quality.update_after or "data_update" not in (
        policy.deadlines
    ):
        return
    customer = Customer.objects.select_related("owner").get(pk=customer_id)
    if customer.owner is None:
        return
    already = Deadline.objects.filter(
        rule="data_update",
        object_id=customer.pk,
        state=DeadlineState.OPEN,
        content_type__model="customer",
    ).exists()
    if not already:
        deadline_open_by_rule(
            rule="data_update",
            assignee=customer.owner,
            start=now,
            policy=policy,
            title=deferred("更新客户资料:%(name)s", name=customer.name),
            subject=customer,
            link=f"/customers/{customer.pk}/",
        )


def customer_set_blacklisted(
    *, customer_id: int, blacklisted: bool, restore_to: str = "", by: User | None
) -> Customer:
    """Put a customer on or take it off the blacklist status (ARC-5). Only the blacklist
    procedure (zhike.grading.blacklist) calls this; nobody sets the status on a form."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    old = customer.status
    new = CustomerStatus.BLACKLISTED if blacklisted else (restore_to or CustomerStatus.POTENTIAL)
    Customer.objects.filter(pk=customer_id).update(status=new, version=F("version") + 1)
    record(customer, "customer.updated", by=by, details={"changes": {"status": [old, str(new)]}})
    customer.refresh_from_db()
    return customer


SAVED_VIEW_KEYS = ("q", "status", "stale", *LIST_FIELDS)
SAVED_VIEWS_MAX = 20


def saved_view_save(*, by: User, name: str, params: dict[str, str]) -> SavedView:
    """Keep the list's current filters under a name (the same name replaces them)."""
    from urllib.parse import urlencode

    name = name.strip()
    if not name:
        raise ArchiveError(_("请给这个筛选起个名字"), field="name")
    query = urlencode({k: params[k] for k in SAVED_VIEW_KEYS if params.get(k)})
    if not query:
        raise ArchiveError(_("当前没有筛选条件可保存"))
    existing = SavedView.objects.filter(user=by, name=name).first()
    if existing is None and SavedView.objects.filter(user=by).count() >= SAVED_VIEWS_MAX:
        raise ArchiveError(_("最多保存 %(n)s 个常用筛选") % {"n": SAVED_VIEWS_MAX})
    view, _created = SavedView.objects.update_or_create(
        user=by, name=name[:40], defaults={"query": query[:300]}
    )
    return view


def saved_view_delete(*, by: User, view_id: int) -> None:
    SavedView.objects.filter(user=by, pk=view_id).delete()
