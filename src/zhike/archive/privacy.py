"""Personal data on its way out (SEC-5): revealing a masked phone number, and the duplicate
check, which answers about customers outside the caller's data scope. Both leave a trace
in the audit trail; the duplicate check is also rate-limited, since each answer tells
whether a number or name is someone's customer."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.throttle import hit

from .errors import ArchiveError, PermissionDenied
from .selectors import (
    DuplicateHint,
    access_customer,
    can_see_full_phone,
    mask_phone,
    may_reveal_phone,
    possible_duplicates,
)


@dataclass(frozen=True)
class RevealedPhones:
    phone: str
    contacts: list[tuple[int, str, str]]  # (id, name, phone)


class TooManyLookups(ArchiveError):
    code = "throttled"


@transaction.atomic
def phone_reveal(*, by: User, customer_id: int) -> RevealedPhones:
    """The full numbers of a customer and its contacts, for a user with the right to see
    them; each reveal is audited (the owner sees their own customers' numbers anyway)."""
    customer = access_customer(by, customer_id)
    if not can_see_full_phone(by, customer.owner_id):
        if not may_reveal_phone(by):
            raise PermissionDenied(_("您没有查看完整电话号码的权限"))
        record(customer, "customer.phone_revealed", by=by, details={})
    contacts = list(customer.contacts.order_by("id").values_list("id", "name", "phone"))
    return RevealedPhones(phone=customer.phone, contacts=contacts)


def duplicate_check(
    *, by: User, name: str = "", phone: str = "", uscc: str = "", policy: Policy
) -> list[DuplicateHint]:
    """ARC-7's check before a customer is entered: at most ``ZHIKE_DUPLICATE_CHECKS`` per
    user per ``ZHIKE_DUPLICATE_CHECK_WINDOW`` seconds, each one audited with what it
    found (numbers masked in the trail too)."""
    if not hit(
        f"zhike:duplicate-checks:{by.pk}",
        limit=settings.ZHIKE_DUPLICATE_CHECKS,
        window=settings.ZHIKE_DUPLICATE_CHECK_WINDOW,
    ):
        raise TooManyLookups(_("查重过于频繁,请稍后再试"))
    hints = possible_duplicates(
        by,
        name=name,
        phone=phone,
        uscc=uscc,
        show_owner=policy.archive.duplicate_check.show_owner_outside_scope,
    )
    details = {
        "name": name,
        "phone": mask_phone(phone),
        "uscc": uscc,
        "found": len(hints),
        "outside_scope": sum(1 for h in hints if h.customer_id is None),
    }
    record(by, "customer.duplicate_checked", by=by, details=details)
    return hints
