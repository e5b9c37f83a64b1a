"""Referrals and their points (OWN-6).

s000 销售部 6: a customer counts as referred only if the referral was registered before
its first visit, or the referrer brought it in person; otherwise it is a new customer.
s003-20: the referrer earns points per referred attendee of an event and per sales unit
(1,000 yuan) of the referred customer's orders — the policy's ``[ownership.referral]``.
Order points are awarded by a set-based, idempotent job (one row per order)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.audit.services import record
from zhike.engagement.models import FollowUp, FollowUpKind, FollowUpState
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.trade.models import Order

from .errors import Conflict, OwnershipError
from .models import Referral, ReferralPoints


@transaction.atomic
def referral_register(
    *, by: User, referrer_id: int, referred_id: int, in_person: bool, now: datetime
) -> Referral:
    """先行登记 or 亲自带来: record that ``referrer`` brought ``referred``."""
    if referrer_id == referred_id:
        raise OwnershipError(_("客户不能介绍自己"), rule="referrer_id")
    access_customer(by, referrer_id)
    access_customer(by, referred_id)
    visited = FollowUp.objects.filter(
        customer_id=referred_id,
        kind=FollowUpKind.VISIT,
        state=FollowUpState.DONE,
        occurred_at__lt=now,
    ).exists()
    if visited and not in_person:
        raise OwnershipError(
            _("该客户已来访过,介绍须先行登记或由老客户亲自带来,否则按新客户处理"),
            rule="ownership.referral",
        )
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                referred_id=referred_id,
                referrer_id=referrer_id,
                in_person=in_person,
                at=now,
                by=by,
            )
    except IntegrityError:
        raise Conflict(_("该客户已登记过介绍人"), field="referred_id") from None
    record(
        referral.referred,
        "ownership.referred",
        by=by,
        details={"referrer": referrer_id, "in_person": in_person},
    )
    return referral


@transaction.atomic
def referral_attended(
    *, by: User, referred_id: int, event: str, policy: Policy, now: datetime
) -> ReferralPoints:
    """A referred customer came to an event (联谊会): points to its referrer, once per
    event."""
    event = event.strip()[:100]
    if not event:
        raise OwnershipError(_("请填写活动名称"), rule="event")
    access_customer(by, referred_id)
    referral = Referral.objects.filter(referred_id=referred_id).first()
    if referral is None:
        raise OwnershipError(_("该客户没有登记介绍人"), rule="ownership.referral")
    try:
        with transaction.atomic():
            return ReferralPoints.objects.create(
                referrer_id=referral.referrer_id,
                referred_id=referred_id,
                event=event,
                points=policy.ownership.referral.points_per_attendee,
                at=now,
            )
    except IntegrityError:
        raise Conflict(_("该客户参加此活动的积分已记过"), field="event") from None


def award_order_points(*, policy: Policy, now: datetime) -> int:
    """Points for every order of a referred customer signed since its referral that has
    none yet: one INSERT per batch of orders, a second run awards nothing."""
    rules = policy.ownership.referral
    if not rules.points_per_sales_unit:
        return 0
    due = (
        Order.objects.filter(
            Exists(
                Referral.objects.filter(
                    referred_id=OuterRef("customer_id"), at__date__lte=OuterRef("signed_on")
                )
            )
        )
        .exclude(Exists(ReferralPoints.objects.filter(order_id=OuterRef("pk"))))
        .annotate(
            referrer_id=Subquery(
                Referral.objects.filter(referred_id=OuterRef("customer_id")).values("referrer_id")[
                    :1
                ]
            )
        )
        .values_list("pk", "customer_id", "amount", "referrer_id")
    )
    rows = []
    for order_id, customer_id, amount, referrer_id in due.iterator(chunk_size=2000):
        units = int(amount // rules.sales_unit_yuan)
        if units > 0:
            rows.append(
                ReferralPoints(
                    referrer_id=referrer_id,
                    referred_id=customer_id,
                    order_id=order_id,
                    points=units * rules.points_per_sales_unit,
                    at=now,
                )
            )
    # A concurrent run may have awarded some: the one-row-per-order key keeps them once.
    ReferralPoints.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def points_of(referrer: Customer) -> int:
    return int(
        ReferralPoints.objects.filter(referrer=referrer).aggregate(n=Sum("points"))["n"] or 0
    )
