"""The archive's business operations: the only code that writes customers."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.org.models import User
from zhike.policy.schema import Policy

from .coding import next_customer_code
from .errors import ArchiveError, PermissionDenied
from .models import Customer, CustomerStatus
from .selectors import access_customer

# Fields a user may set through create/update; owner, department, code and created_by are
# decided by the system (assignment and transfer are ownership operations).
EDITABLE_FIELDS = ("name", "status", "phone")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise ArchiveError(_("不允许设置字段 %(field)s") % {"field": field}, field=field)
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = str(cleaned["name"]).strip()
        if not cleaned["name"]:
            raise ArchiveError(_("客户名称不能为空"), field="name")
    if "status" in cleaned and cleaned["status"] not in CustomerStatus.values:
        raise ArchiveError(_("无效的客户状态"), field="status")
    if "phone" in cleaned:
        cleaned["phone"] = str(cleaned["phone"]).strip()
    return cleaned


@transaction.atomic
def customer_create(
    *, by: User, data: dict[str, Any], policy: Policy, now: datetime | None = None
) -> Customer:
    """Register a customer; the registering salesperson becomes its owner (OWN-1)."""
    if not by.has_perm("archive.add_customer"):
        raise PermissionDenied(_("您没有新建客户的权限"))
    cleaned = _clean(data)
    if "name" not in cleaned:
        raise ArchiveError(_("客户名称不能为空"), field="name")
    today = timezone.localdate(now or timezone.now())
    customer = Customer.objects.create(
        code=next_customer_code(policy.archive.coding, today=today),
        owner=by,
        department=by.department,
        created_by=by,
        **cleaned,
    )
    record(customer, "customer.created", by=by, details={"code": customer.code, **cleaned})
    return customer


@transaction.atomic
def customer_update(*, by: User, customer_id: int, data: dict[str, Any]) -> Customer:
    """Change a customer's editable fields. The row is locked for the whole change, so
    concurrent updates apply one after another, each with its own audit event."""
    access_customer(by, customer_id)  # scope check first: out of scope is "not found"
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    cleaned = _clean(data)
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    changes = {
        field: [getattr(customer, field), value]
        for field, value in cleaned.items()
        if getattr(customer, field) != value
    }
    if not changes:
        return customer
    for field, (_old, new) in changes.items():
        setattr(customer, field, new)
    customer.version = F("version") + 1
    customer.save(update_fields=[*changes, "version", "updated_at"])
    customer.refresh_from_db(fields=["version"])
    record(customer, "customer.updated", by=by, details={"changes": changes})
    return customer


def request_data_quality_sweep(*, by: User) -> None:
    """Run the data-quality sweep now instead of waiting for the nightly run (s001 二(三):
    the archivist's periodic review). The job is enqueued when the caller's transaction
    commits, so a rolled-back request never starts it."""
    from .tasks import sweep_stale_customers_task

    if not by.has_perm("archive.run_data_quality_sweep"):
        raise PermissionDenied(_("您没有执行资料更新检查的权限"))
    sweep_stale_customers_task.delay_on_commit()


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
                        title=_("%(count)s 个客户超过 %(days)s 天未更新资料")
                        % {"count": claimed, "days": days},
                        body=_("请及时更新客户资料(客户资料更新制度)。"),
                        link="/customers/?stale=1",
                    )
                ],
                policy=policy,
            )
    return reported
