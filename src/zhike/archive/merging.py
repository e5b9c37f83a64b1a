"""Merging two customers (ARC-7), and what other modules move when they are merged.

The archive moves its own records (contacts, follow-ups); a module that keeps records per
customer — the ledger, grading — registers a hook in its AppConfig.ready, so that a merge
keeps every history without the archive knowing those modules.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.org.models import User
from zhike.workflow.models import ApprovalRequest

from .errors import ArchiveError, PermissionDenied
from .models import Contact, Customer
from .selectors import access_customer
from .services import customer_search_text

MergeHook = Callable[[Customer, Customer], None]  # (kept, duplicate), inside the merge
_hooks: list[MergeHook] = []


def register_merge_hook(hook: MergeHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def run_merge_hooks(keep: Customer, duplicate: Customer) -> None:
    for hook in _hooks:
        hook(keep, duplicate)


MERGE_FILLABLE = (
    "phone",
    "source",
    "referrer_name",
    "industry",
    "size",
    "province",
    "city",
    "district",
    "address",
    "uscc",
)


@transaction.atomic
def customer_merge(*, by: User, keep_id: int, merge_id: int) -> Customer:
    """Merge a duplicate into the customer kept (ARC-7). Every contact and follow-up moves
    over; fields empty on the kept record are filled from the duplicate; the duplicate
    stays as a tombstone pointing at the kept one, so its code is never reused, a search
    for the old code finds the kept customer, and its history stays readable."""
    if keep_id == merge_id:
        raise ArchiveError(_("不能把客户合并到它自己"), field="merge_id")
    access_customer(by, keep_id)
    access_customer(by, merge_id)
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    # Lock both rows in id order, so two merges of the same pair cannot deadlock.
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=sorted([keep_id, merge_id]), merged_into__isnull=True)
        .order_by("pk")
    }
    if len(rows) != 2:
        raise ArchiveError(_("其中一个客户已被合并"), field="merge_id")
    keep, duplicate = rows[keep_id], rows[merge_id]
    filled = {
        f: getattr(duplicate, f)
        for f in MERGE_FILLABLE
        if not getattr(keep, f) and getattr(duplicate, f)
    }
    if "uscc" in filled:
        Customer.objects.filter(pk=duplicate.pk).update(uscc="")  # the unique code moves over
    Contact.objects.filter(customer=duplicate).update(customer=keep)
    run_merge_hooks(keep, duplicate)  # follow-ups, the ledger, grading: their records move too
    ApprovalRequest.objects.filter(customer=duplicate).update(customer=keep)  # the timeline's
    for field_name, value in filled.items():
        setattr(keep, field_name, value)
    if duplicate.last_contact_at and (
        keep.last_contact_at is None or duplicate.last_contact_at > keep.last_contact_at
    ):
        keep.last_contact_at = duplicate.last_contact_at
    Customer.objects.filter(pk=duplicate.pk).update(merged_into=keep, search_text="")
    keep.search_text = customer_search_text(keep)
    keep.version = F("version") + 1
    keep.save()
    keep.refresh_from_db()
    record(
        keep,
        "customer.merged",
        by=by,
        details={"merged": duplicate.code, "name": duplicate.name, "filled": sorted(filled)},
    )
    record(duplicate, "customer.merged_into", by=by, details={"into": keep.code})
    return keep
