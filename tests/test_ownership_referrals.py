"""OWN-6: a referral counts only if registered before the visit or brought in person
(s000 销售部 6); points by the policy (s003-20: 100 per referred attendee, 100 per 1,000
yuan of referred sales), awarded once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from zhike.engagement.models import FollowUp
from zhike.errors import Conflict
from zhike.ownership.errors import OwnershipError
from zhike.ownership.referrals import (
    award_order_points,
    points_of,
    referral_attended,
    referral_register,
)
from zhike.policy.loader import load_policy
from zhike.trade.services import LineInput, order_create

from .conftest import Company

POLICY = load_policy("real-estate")


def test_own_6_registered_before_the_visit_counts(company: Company) -> None:
    old, new = company.customers["A"], company.customers["P"]
    referral = referral_register(
        by=company.users["admin"],
        referrer_id=old.pk,
        referred_id=new.pk,
        in_person=False,
        now=timezone.now(),
    )
    assert referral.referrer == old
    with pytest.raises(Conflict):
        referral_register(
            by=company.users["admin"],
            referrer_id=company.customers["B"].pk,
            referred_id=new.pk,
            in_person=False,
            now=timezone.now(),
        )


def test_own_6_after_a_visit_only_in_person_counts(company: Company) -> None:
    old, new = company.customers["A"], company.customers["B"]
    FollowUp.objects.create(
        customer=new,
        by=company.users["bob"],
        kind="visit",
        content="首次到访售楼处",
        occurred_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(OwnershipError, match="按新客户处理") as refused:
        referral_register(
            by=company.users["admin"],
            referrer_id=old.pk,
            referred_id=new.pk,
            in_person=False,
            now=timezone.now(),
        )
    assert refused.value.rule == "ownership.referral"
    assert referral_register(
        by=company.users["admin"],
        referrer_id=old.pk,
        referred_id=new.pk,
        in_person=True,
        now=timezone.now(),
    ).in_person


def test_own_6_points_per_attendee_and_per_thousand_yuan(company: Company) -> None:
    old, new = company.customers["A"], company.customers["B"]
    now = timezone.now()
    referral_register(
        by=company.users["admin"], referrer_id=old.pk, referred_id=new.pk, in_person=True, now=now
    )
    referral_attended(
        by=company.users["admin"], referred_id=new.pk, event="十二月联谊会", policy=POLICY, now=now
    )
    with pytest.raises(Conflict):  # once per event
        referral_attended(
            by=company.users["admin"],
            referred_id=new.pk,
            event="十二月联谊会",
            policy=POLICY,
            now=now,
        )
    order_create(
        by=company.users["bob"],
        customer_id=new.pk,
        number="HT-REF-1",
        signed_on=timezone.localdate(),
        policy=POLICY,
        lines=[
            LineInput(
                product="理疗仪",
                category="器械",
                quantity=Decimal(1),
                unit="台",
                price=Decimal("2500"),
            )
        ],
    )
    assert award_order_points(policy=POLICY, now=now) == 1
    assert award_order_points(policy=POLICY, now=now) == 0  # idempotent
    assert points_of(old) == 100 + 200  # 2,500 yuan: two whole thousands


def test_own_6_through_the_api(company: Company) -> None:
    api = company.api("mgr")
    old, new = company.customers["A"], company.customers["B"]
    made = api.post(
        "/api/v1/ownership/referrals",
        {"referrer_id": old.pk, "referred_id": new.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    award = api.post(
        "/api/v1/ownership/referrals/attendance",
        {"referred_id": new.pk, "event": "春季联谊会"},
        content_type="application/json",
    )
    assert award.status_code == 201 and award.json()["points"] == 100
    assert api.get(f"/api/v1/ownership/customers/{old.pk}/points").json()["points"] == 100
    assert company.api("bob").get(f"/api/v1/ownership/customers/{old.pk}/points").status_code == 404
    self_ref = api.post(
        "/api/v1/ownership/referrals",
        {"referrer_id": old.pk, "referred_id": old.pk},
        content_type="application/json",
    )
    assert self_ref.status_code == 400
