"""Walk-in reception rotation (OWN-5, s003-5 售楼员按事先规定顺序接待客户).

A returning customer goes to its owner; a visitor who asks for a salesperson by name goes
to them (售楼员轮到…除非客户来现场时主动找某售楼员); everyone else to the next on duty who is
free — the one who took fewest today, then by position — skipping the busy and the away,
who keep their turn. The day's duty rows are locked while the next person is chosen, so
two visitors registered at once never go to the same person by rotation.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import customers_with_phone
from zhike.org.models import DataScope, Department, User
from zhike.org.scopes import department_tree_ids, user_scopes
from zhike.text import has_control_characters

from .errors import NotFound, OwnershipError, PermissionDenied
from .models import Duty, DutyStatus, Walkin, WalkinReason
from .services import ASSIGN, CLAIM


def _may_run(user: User, department_id: int) -> bool:
    """Whether ``user`` runs this department's front desk: a manager (assign right) whose
    scope reaches the department."""
    if not Department.objects.filter(pk=department_id).exists():
        raise NotFound(_("部门不存在"))
    if not user.has_perm(ASSIGN):
        return False
    if user.is_superuser or DataScope.ALL in user_scopes(user):
        return True
    if user.department_id is None:
        return False
    return department_id in department_tree_ids(user.department_id)


def desks_of(user: User) -> list[Department]:
    """The departments whose front desk ``user`` runs (with salespeople in them)."""
    if not user.has_perm(ASSIGN):
        return []
    departments = Department.objects.order_by("path")
    if not (user.is_superuser or DataScope.ALL in user_scopes(user)):
        if user.department_id is None:
            return []
        departments = departments.filter(pk__in=department_tree_ids(user.department_id))
    return list(departments[:200])


def eligible(department_id: int) -> list[User]:
    """Who may be on the department's duty: its active people who serve customers."""
    people = User.objects.filter(
        is_active=True,
        department_id__in=department_tree_ids(department_id),
        roles__permissions__codename="claim_customer",
    )
    return list(people.distinct().order_by("username")[:200])


def duties_of(department_id: int, day: date) -> QuerySet[Duty]:
    return Duty.objects.filter(department_id=department_id, day=day).select_related("user")


@transaction.atomic
def duty_set(*, by: User, department_id: int, day: date, user_ids: list[int]) -> list[Duty]:
    """The day's reception order, first to last. People kept in it keep their count."""
    if not _may_run(by, department_id):
        raise PermissionDenied(_("您不能安排该部门的接待值班"))
    if len(set(user_ids)) != len(user_ids):
        raise OwnershipError(_("值班名单中有重复的人员"), rule="user_ids")
    people = {u.pk: u for u in eligible(department_id) if u.pk in set(user_ids)}
    missing = [pk for pk in user_ids if pk not in people]
    if missing:
        raise OwnershipError(_("只能安排本部门在职的业务人员值班"), rule="user_ids")
    existing = {
        d.user_id: d
        for d in Duty.objects.select_for_update().filter(department_id=department_id, day=day)
    }
    Duty.objects.filter(department_id=department_id, day=day).exclude(user_id__in=user_ids).delete()
    duties = []
    for position, pk in enumerate(user_ids, start=1):
        duty = existing.get(pk) or Duty(department_id=department_id, day=day, user_id=pk)
        duty.position = position
        duty.save()
        duties.append(duty)
    return duties


@transaction.atomic
def duty_status_set(*, by: User, duty_id: int, status: str) -> Duty:
    """空闲 / 接待中 / 不在: the person themselves or the front desk's manager."""
    if status not in DutyStatus.values:
        raise OwnershipError(_("状态应为空闲、接待中或不在"), rule="status")
    duty = Duty.objects.select_for_update().filter(pk=duty_id).first()
    if duty is None:
        raise NotFound(_("值班记录不存在"))
    if not (duty.user_id == by.pk or _may_run(by, duty.department_id)):
        raise PermissionDenied(_("您不能更改该值班状态"))
    duty.status = status
    duty.save(update_fields=["status"])
    return duty


@dataclass(frozen=True)
class Received:
    walkin: Walkin
    reason: str


def _returning(phone: str) -> Customer | None:
    """A live customer with this phone and an active owner."""
    return customers_with_phone(phone).filter(owner__is_active=True).first()


@transaction.atomic
def walkin_register(
    *,
    by: User,
    department_id: int,
    visitor: str,
    phone: str = "",
    asked_for_id: int | None = None,
    now: datetime,
) -> Received:
    """来访登记: the visitor goes to its owner, the salesperson asked for, or the next free
    person on duty; the register keeps who and why."""
    if not _may_run(by, department_id):
        raise PermissionDenied(_("您不能登记该部门的来访"))
    visitor, phone = visitor.strip(), phone.strip()
    if not visitor or len(visitor) > 100 or has_control_characters(visitor):
        raise OwnershipError(_("请填写来访人姓名(不超过 100 字)"), rule="visitor")
    if len(phone) > 32 or has_control_characters(phone):
        raise OwnershipError(_("电话格式有误"), rule="phone")
    department = Department.objects.get(pk=department_id)
    day = timezone.localdate(now)
    customer = _returning(phone) if phone else None
    if customer is not None and customer.owner is not None:
        receiver, reason = customer.owner, WalkinReason.RETURNING
    elif asked_for_id is not None:
        asked = User.objects.filter(pk=asked_for_id, is_active=True).first()
        if asked is None or not asked.has_perm(CLAIM):
            raise OwnershipError(_("客户指定的业务员不存在或已离职"), rule="asked_for_id")
        receiver, reason = asked, WalkinReason.ASKED
    else:
        duties = list(
            Duty.objects.select_for_update()
            .filter(department=department, day=day)
            .order_by("taken", "position")
        )
        free = next((d for d in duties if d.status == DutyStatus.FREE), None)
        if free is None:
            raise OwnershipError(
                _("当前没有空闲的接待人员") if duties else _("今天还没有安排接待值班"),
                rule="ownership.reception",
            )
        Duty.objects.filter(pk=free.pk).update(taken=F("taken") + 1, status=DutyStatus.BUSY)
        receiver, reason = free.user, WalkinReason.ROTATION
    walkin = Walkin.objects.create(
        department=department,
        at=now,
        visitor=visitor,
        phone=phone,
        customer=customer,
        received_by=receiver,
        reason=reason,
        registered_by=by,
    )
    return Received(walkin, str(WalkinReason(reason).label))


def walkins_of(department_id: int, day: date) -> QuerySet[Walkin]:
    return Walkin.objects.filter(department_id=department_id, at__date=day).select_related(
        "received_by", "customer"
    )
