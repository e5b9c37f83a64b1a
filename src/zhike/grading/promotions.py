"""A treatment for a B/C order (GRD-11, s003-8 7.3): an order with a high price and good
payment may be produced as an A order, by approval. A-class itself is never for life:
every review re-evaluates every customer (GRD-6)."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.db import unique_or
from zhike.deferred import deferred
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.trade.models import Order
from zhike.trade.selectors import orders_for
from zhike.workflow.approvals import approval_submit
from zhike.workflow.models import ApprovalRequest

from .errors import Conflict, GradingError
from .models import OrderPromotion, Standing

APPROVAL_KIND = "order_a_treatment"


@transaction.atomic
def order_promotion_request(
    *, by: User, order_id: int, reason: str, policy: Policy, now: datetime
) -> OrderPromotion:
    """Ask for the top grade's treatment on one order of a lower-graded customer."""
    card = policy.grading.score
    if card is None:
        raise GradingError(_("管理制度中没有评分等级,无法申请A类订单"))
    try:
        order = orders_for(by).select_related("customer").get(pk=order_id)
    except Order.DoesNotExist:
        raise GradingError(_("合同不存在或无权查看")) from None
    top = card.grades[0].key
    standing = Standing.objects.filter(customer_id=order.customer_id).first()
    if standing is not None and standing.grade == top:
        raise GradingError(_("该客户已是最高等级,无需申请"))
    if not reason.strip():
        raise GradingError(_("请说明价格与付款情况"), field="reason")
    already = Conflict(_("该合同已申请过"))
    if (
        OrderPromotion.objects.filter(order=order)
        .exclude(state=OrderPromotion.State.REJECTED)
        .exists()
    ):
        raise already
    with unique_or(already):
        promotion = OrderPromotion.objects.create(
            order=order,
            to_grade=top,
            reason=reason.strip(),
            requested_by=by,
            requested_at=now,
            policy_version=policy.policy.version,
        )
    approval_submit(
        kind=APPROVAL_KIND,
        subject=promotion,
        title=deferred(
            "A类订单申请:%(number)s(%(name)s)",
            number=order.number,
            name=order.customer.name,
        ),
        by=by,
        policy=policy,
        now=now,
        amount=order.amount,
    )
    record(order.customer, "grading.order_promotion", by=by, details={"order": order.number})
    return promotion


def on_promotion_decided(request: ApprovalRequest) -> None:
    state = (
        OrderPromotion.State.APPROVED
        if request.state == "approved"
        else OrderPromotion.State.REJECTED
    )
    OrderPromotion.objects.filter(pk=request.object_id).update(state=state)


def order_grade(order: Order) -> str:
    """The grade whose treatment the order gets: an approved promotion, else the
    customer's (production and shipping queues sort by it)."""
    promoted = order.promotions.filter(state=OrderPromotion.State.APPROVED).first()
    if promoted is not None:
        return promoted.to_grade
    standing = Standing.objects.filter(customer_id=order.customer_id).first()
    return standing.grade if standing else ""
