"""Admission (准入, GRD-9, s000 五 1): the policy's checklist, each item checked with its
evidence; a customer who has not passed every item may not trade."""

from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.org.models import User
from zhike.org.selectors import holds_role
from zhike.policy.grading_schema import AdmissionItem
from zhike.policy.schema import Policy
from zhike.trade.errors import TradeError
from zhike.uploads import accept

from .errors import GradingError, PermissionDenied
from .models import AdmissionCheck


@dataclass(frozen=True)
class AdmissionStatus:
    required: bool
    passed: list[AdmissionItem]
    missing: list[AdmissionItem]  # not checked, or checked and failed

    @property
    def admitted(self) -> bool:
        return not self.required or not self.missing


def admission_status(customer_id: int, policy: Policy) -> AdmissionStatus:
    rule = policy.grading.admission
    if rule is None:
        return AdmissionStatus(required=False, passed=[], missing=[])
    passed_keys = set(
        AdmissionCheck.objects.filter(customer_id=customer_id, passed=True).values_list(
            "key", flat=True
        )
    )
    return AdmissionStatus(
        required=True,
        passed=[i for i in rule.items if i.key in passed_keys],
        missing=[i for i in rule.items if i.key not in passed_keys],
    )


def admission_guard(customer: Customer, policy: Policy) -> None:
    """The trade guard (see zhike.trade.trading): no admission, no trade."""
    rule = policy.grading.admission
    if rule is None or not rule.required_for_trade:
        return
    status = admission_status(customer.pk, policy)
    if not status.admitted:
        missing = "、".join(item.label for item in status.missing)
        raise TradeError(
            _("该客户尚未通过准入审核,不能交易。未通过:%(items)s") % {"items": missing}
        )


@transaction.atomic
def admission_check(
    *,
    by: User,
    customer_id: int,
    key: str,
    passed: bool,
    evidence: str,
    policy: Policy,
    now: datetime,
    attachment: UploadedFile | None = None,
) -> AdmissionCheck:
    """Record one checklist item with its evidence (a note or a file is required)."""
    rule = policy.grading.admission
    if rule is None:
        raise GradingError(_("管理制度中没有配置准入条件"))
    customer = access_customer(by, customer_id)
    if not holds_role(by, rule.checked_by):
        raise PermissionDenied(_("准入审核需由指定角色完成(如营销主管、业务部经理)"))
    if key not in {item.key for item in rule.items}:
        raise GradingError(_("管理制度中没有准入条件 %(key)s") % {"key": key}, field="key")
    # The file is checked before anything is written.
    name = accept(attachment, max_mb=policy.engagement.attachment_max_mb).name if attachment else ""
    if not evidence.strip() and attachment is None:
        raise GradingError(_("请填写依据或上传附件(证照、证明等)"), field="evidence")
    check, _created = AdmissionCheck.objects.update_or_create(
        customer=customer,
        key=key,
        defaults={
            "passed": passed,
            "evidence": evidence.strip(),
            "checked_by": by,
            "checked_at": now,
        },
    )
    if attachment is not None:
        check.attachment.save(name, attachment, save=True)
    record(customer, "grading.admission_checked", by=by, details={"key": key, "passed": passed})
    return check
