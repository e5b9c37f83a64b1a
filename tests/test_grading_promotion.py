"""GRD-11: a B/C customer's order with a high price and good payment gets A treatment by
approval (s003-8 7.3); the customer's grade stays, every review re-evaluates A."""

from datetime import date

import pytest
from django.utils import timezone

from zhike.grading.errors import GradingError
from zhike.grading.models import OrderPromotion, Standing
from zhike.grading.promotions import order_grade, order_promotion_request
from zhike.policy.loader import load_policy
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest

from .conftest import Company
from .factories import trade


@pytest.fixture(scope="module")
def dealer():  # type: ignore[no-untyped-def]
    return load_policy("auto-dealer")


def test_grd_11_b_order_gets_a_treatment_by_approval(company: Company, dealer) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    Standing.objects.create(customer=customer, grade="B", since=timezone.now())
    order = trade(customer, on=date(2026, 5, 1), amount=800_000, list_price=700_000)
    assert order_grade(order) == "B"
    promotion = order_promotion_request(
        by=company.users["alice"],
        order_id=order.pk,
        reason="价格高于指导价 14%,预付三成",
        policy=dealer,
        now=timezone.now(),
    )
    assert order_grade(order) == "B"  # not before approval
    request = ApprovalRequest.objects.get(kind="order_a_treatment")
    approval_act(
        request_id=request.pk,
        by=company.users["mgr"],
        action="approve",
        comment="同意按A类排产",
        policy=dealer,
        now=timezone.now(),
    )
    promotion.refresh_from_db()
    assert promotion.state == OrderPromotion.State.APPROVED
    assert order_grade(order) == "A"
    assert Standing.objects.get(customer=customer).grade == "B"  # the customer stays B


def test_grd_11_refusals(company: Company, dealer) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    Standing.objects.create(customer=customer, grade="A", since=timezone.now())
    order = trade(customer, on=date(2026, 5, 1), amount=1000)
    with pytest.raises(GradingError, match="最高等级"):
        order_promotion_request(
            by=company.users["alice"],
            order_id=order.pk,
            reason="x",
            policy=dealer,
            now=timezone.now(),
        )
    other = trade(company.customers["B"], on=date(2026, 5, 1), amount=1000)
    with pytest.raises(GradingError, match="不存在或无权查看"):
        order_promotion_request(
            by=company.users["alice"],
            order_id=other.pk,
            reason="x",
            policy=dealer,
            now=timezone.now(),
        )
    assert not OrderPromotion.objects.exists()
