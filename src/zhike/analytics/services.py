"""The writes of analytics: a salesperson's monthly target (销售目标)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.errors import NotFound, PermissionDenied
from zhike.org.models import User
from zhike.org.scopes import users_in_scope

from .errors import AnalyticsError
from .models import SalesTarget

SET_TARGETS = "analytics.change_salestarget"


@transaction.atomic
def target_set(*, by: User, owner_id: int, month: date, amount: Decimal) -> SalesTarget:
    """Set (or change) ``owner``'s target for ``month``. Targets are set by whoever leads
    the person (the permission, and the person within the setter's scope), never by the
    person themself. One row per person and month: an upsert on the unique constraint, so
    two managers saving at once leave one target, the last one."""
    if not by.has_perm(SET_TARGETS):
        raise PermissionDenied(_("您没有设定销售目标的权限"))
    if not users_in_scope(by).filter(pk=owner_id).exists():
        raise NotFound(_("人员不存在或不在您的数据范围内"))
    if owner_id == by.pk and not by.is_superuser:
        raise PermissionDenied(_("销售目标由上级设定,不能给自己设定"))
    if amount < 0 or amount >= Decimal("1e14"):
        raise AnalyticsError(_("目标金额应为 0 到 99,999,999,999,999.99 元"), field="amount")
    SalesTarget.objects.bulk_create(
        [
            SalesTarget(
                owner_id=owner_id,
                month=month.replace(day=1),
                amount=amount,
                set_by=by,
                set_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["owner", "month"],
        update_fields=["amount", "set_by", "set_at"],
    )
    return SalesTarget.objects.get(owner_id=owner_id, month=month.replace(day=1))
