"""First deposit wins (OWN-7, s000 销售部 5): the first recorded deposit reserves a single
item for its customer; a second customer wanting it is refused with the reason. The item's
unique row is the arbiter, so two deposits recorded at the same moment give one winner."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.org.models import User

from .errors import OwnershipError, PermissionDenied, Taken
from .models import Reservation

DEPOSIT = "trade.add_order"  # who records a contract records its deposit


@transaction.atomic
def deposit_record(
    *, by: User, customer_id: int, item: str, deposit: Decimal | str, now: datetime
) -> Reservation:
    """Record a deposit on ``item`` for the customer; refused if another customer's
    deposit came first (the customer's own second deposit is the same reservation)."""
    if not by.has_perm(DEPOSIT):
        raise PermissionDenied(_("您没有登记定金的权限"))
    customer = access_customer(by, customer_id)
    item = item.strip()
    if not item or len(item) > 60:
        raise OwnershipError(_("请填写房源或车辆编号(不超过 60 字)"), rule="item")
    try:
        amount = Decimal(deposit)
    except (InvalidOperation, ValueError):
        raise OwnershipError(_("定金金额应为数字"), rule="deposit") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        raise OwnershipError(_("定金金额必须大于 0"), rule="deposit")
    amount = amount.quantize(Decimal("0.01"))
    held = Reservation.objects.filter(item=item).first()
    if held is not None and held.customer_id != customer.pk:
        raise _first(held)
    if held is not None:
        return held
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                item=item, customer=customer, deposit=amount, at=now, by=by
            )
    except IntegrityError:  # another deposit on the same item at the same moment
        held = Reservation.objects.get(item=item)
        if held.customer_id == customer.pk:
            return held
        raise _first(held) from None
    record(customer, "ownership.deposit", by=by, details={"item": item, "deposit": amount})
    return reservation


def _first(held: Reservation) -> Taken:
    when = timezone.localtime(held.at).strftime("%Y-%m-%d %H:%M")
    error = Taken(
        _("%(item)s 已由其他客户于 %(time)s 先交定金,按先交定金者为先的规定不能再锁定")
        % {"item": held.item, "time": when}
    )
    error.rule = "ownership.first_deposit"
    error.errors = [("ownership.first_deposit", error.message)]
    return error
