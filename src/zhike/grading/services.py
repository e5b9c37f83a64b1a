"""Writes of the grading module other than review runs: manual assessments."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.dates import months_before
from zhike.org.models import User
from zhike.org.selectors import holds_role
from zhike.policy.schema import Policy

from .errors import GradingError, PermissionDenied
from .models import (
    AdmissionCheck,
    Assessment,
    BlacklistEntry,
    GradeChange,
    Problem,
    Standing,
)

YES_NO = ("yes", "no")


@transaction.atomic
def assessment_record(
    *,
    by: User,
    customer_id: int,
    key: str,
    value: str,
    note: str = "",
    policy: Policy,
    now: datetime,
) -> Assessment:
    """Rate a manual indicator (s004 战略影响) or attest a tier's fact (GRD-5). Only the
    roles the policy names may do it; the rating replaces the previous one."""
    customer = access_customer(by, customer_id)
    rules = policy.grading
    indicators = {i.key: i for i in rules.score.indicators if i.options} if rules.score else {}
    attestations = {a.key: a for a in rules.attestations}
    if key in indicators:
        indicator = indicators[key]
        roles, allowed = indicator.rated_by, [o.key for o in indicator.options]
        valid_until = None
    elif key in attestations:
        attestation = attestations[key]
        roles, allowed = attestation.rated_by, list(YES_NO)
        valid_until = (
            months_before(timezone.localdate(now), -attestation.valid_months)
            if attestation.valid_months
            else None
        )
    else:
        raise GradingError(_("管理制度中没有评定项 %(key)s") % {"key": key}, field="key")
    if not holds_role(by, roles):
        raise PermissionDenied(_("该评定项需由指定角色评定(如业务部经理以上)"))
    if value not in allowed:
        raise GradingError(
            _("无效的评定值,可选:%(choices)s") % {"choices": "、".join(allowed)}, field="value"
        )
    assessment, _created = Assessment.objects.update_or_create(
        customer=customer,
        key=key,
        defaults={"value": value, "note": note, "by": by, "at": now, "valid_until": valid_until},
    )
    record(customer, "grading.assessed", by=by, details={"key": key, "value": value, "note": note})
    return assessment


def move_grading(keep: Customer, duplicate: Customer) -> None:
    """Merge hook (ARC-7): the duplicate's grade history, problems, blacklist entries and
    promotions move to the customer kept; its ratings and admission checks move where the
    kept customer has none of the same key; its standing goes (the kept one's stands until
    the next review, which sees the merged ledger)."""
    GradeChange.objects.filter(customer=duplicate).update(customer=keep)
    Problem.objects.filter(customer=duplicate).update(customer=keep)
    BlacklistEntry.objects.filter(customer=duplicate).update(customer=keep)
    rated = Assessment.objects.filter(customer=keep).values("key")
    Assessment.objects.filter(customer=duplicate).exclude(key__in=rated).update(customer=keep)
    Assessment.objects.filter(customer=duplicate).delete()
    checked = AdmissionCheck.objects.filter(customer=keep).values("key")
    AdmissionCheck.objects.filter(customer=duplicate).exclude(key__in=checked).update(customer=keep)
    AdmissionCheck.objects.filter(customer=duplicate).delete()
    Standing.objects.filter(customer=duplicate).delete()
