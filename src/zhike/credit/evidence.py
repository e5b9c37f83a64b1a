"""Attested eligibility (CRD-1, s003-12 1.1): a person the policy names (``[credit]
attested_by``) vouches for an item the data cannot fully show, with a note or a file as
evidence, optionally until a day (a contract's end). Items the ledger decides (last
year's balance) cannot be attested."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.db import unique_or
from zhike.errors import Conflict
from zhike.org.models import User
from zhike.org.selectors import holds_role
from zhike.policy.schema import Policy
from zhike.uploads import accept

from .errors import CreditError, PermissionDenied
from .models import Attestation
from .selectors import ITEM_LABELS, unmet_by_data


def may_attest(user: User, policy: Policy) -> bool:
    return policy.credit.enabled and holds_role(user, policy.credit.attested_by)


@transaction.atomic
def attest(
    *,
    by: User,
    customer_id: int,
    requirement: str,
    evidence: str,
    policy: Policy,
    now: datetime,
    upload: UploadedFile | None = None,
    valid_until: date | None = None,
) -> Attestation:
    """Record (or replace) the attestation of one item; refused: a reason, nothing kept."""
    customer = access_customer(by, customer_id)
    credit = policy.credit
    if not credit.enabled:
        raise CreditError(_("管理制度未启用授信管理"), field="policy")
    if not holds_role(by, credit.attested_by):
        raise PermissionDenied(_("授信资格证明须由制度指定的人员提交(如财务)"))
    errors = []
    if requirement not in credit.eligibility or requirement not in credit.attestable:
        known = "、".join(_(ITEM_LABELS[item]) for item in credit.attestable) or "—"
        errors.append(
            ("requirement", _("该条件不能人工证明;可证明的条件:%(items)s") % {"items": known})
        )
    evidence = (evidence or "").strip()
    if not evidence and upload is None:
        errors.append(("evidence", _("请填写证明内容或上传附件(身份证复印件、合同等)")))
    if valid_until is not None and valid_until < now.date():
        errors.append(("valid_until", _("有效期不能早于今天")))
    if errors:
        raise CreditError.of_fields(errors)
    name = accept(upload, max_mb=policy.engagement.attachment_max_mb).name if upload else ""
    attestation = Attestation.objects.filter(customer=customer, requirement=requirement).first()
    if attestation is None:
        attestation = Attestation(customer=customer, requirement=requirement)
    elif upload is not None and attestation.file:
        attestation.file.delete(save=False)  # the new file replaces the old
    attestation.evidence, attestation.valid_until = evidence[:300], valid_until
    attestation.by, attestation.at = by, now
    if upload is not None:
        attestation.file.save(name, upload, save=False)
    with unique_or(Conflict(_("该条件的证明刚被他人提交,请刷新后再试"))):
        attestation.save()
    record(
        customer,
        "credit.attested",
        by=by,
        details={"requirement": requirement, "evidence": evidence[:300], "file": name},
    )
    return attestation


def attestations_of(customer_id: int) -> list[Attestation]:
    return list(
        Attestation.objects.filter(customer_id=customer_id)
        .select_related("by")
        .order_by("requirement")
    )


@dataclass(frozen=True)
class Item:
    """One eligibility item as the shipping step shows it."""

    key: str
    label: str
    by_data: bool  # the data shows it met
    attestable: bool
    attestation: Attestation | None
    met: bool  # by the data, or attested where the policy allows it, on the day


def checklist(customer: Customer, day: date, *, policy: Policy) -> list[Item]:
    credit = policy.credit
    unmet = set(unmet_by_data(customer, day, credit))
    attested = {a.requirement: a for a in attestations_of(customer.pk)}
    items = []
    for key in credit.eligibility:
        found = attested.get(key)
        valid = found is not None and (found.valid_until is None or found.valid_until >= day)
        attestable = key in credit.attestable
        items.append(
            Item(
                key=key,
                label=_(ITEM_LABELS[key]),
                by_data=key not in unmet,
                attestable=attestable,
                attestation=found,
                met=key not in unmet or (attestable and valid),
            )
        )
    return items
