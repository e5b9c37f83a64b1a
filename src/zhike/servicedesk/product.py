"""Product complaints (SRV-6, s004 产品原因投诉): the technical department verifies the
complaint, assigns responsibility and issues, within one working day, either a
《顾客退货处理报告》— production re-issues the order as 特急 — or a 《赔偿告知单》— finance
pays the compensation; each receiving department gets it as a deadline of its own."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.deferred import deferred
from zhike.org.models import User
from zhike.org.selectors import people_with_role
from zhike.policy.schema import Policy
from zhike.workflow.deadlines import deadline_open
from zhike.workflow.notify import notify_people

from . import clock
from .common import clean_text, locked, may_work, record
from .errors import ServiceError
from .models import Complaint, ProductDecision, ProductOutcome, TargetKind
from .transitions import State

# Who acts on each document, and the number's letters (TH 退货, PC 赔偿).
RECEIVER = {ProductOutcome.RETURN: "production", ProductOutcome.COMPENSATION: "finance"}
LETTERS = {ProductOutcome.RETURN: "TH", ProductOutcome.COMPENSATION: "PC"}
RELAY = {
    ProductOutcome.RETURN: gettext_noop("特急:按《顾客退货处理报告》%(number)s 重新下达生产"),
    ProductOutcome.COMPENSATION: gettext_noop("按《赔偿告知单》%(number)s 向客户赔偿"),
}


def is_product(complaint: Complaint, policy: Policy) -> bool:
    category = policy.service.category(complaint.category)
    return bool(category and category.product)


@transaction.atomic
def product_decide(
    *,
    by: User,
    complaint_id: int,
    outcome: str,
    opinion: str,
    policy: Policy,
    now: datetime,
    amount: Decimal | None = None,
) -> ProductDecision:
    complaint = locked(by, complaint_id)
    may_work(by, complaint)
    if not is_product(complaint, policy):
        raise ServiceError(_("只有产品原因投诉出具退货处理报告或赔偿告知单"), field="category")
    if complaint.state != State.INVESTIGATED:
        raise ServiceError(_("请先查明原因与责任"), field="state")
    if outcome not in ProductOutcome.values:
        raise ServiceError(_("无效的选项"), field="outcome")
    kind = ProductOutcome(outcome)
    if kind == ProductOutcome.COMPENSATION and (amount is None or amount <= 0):
        raise ServiceError(_("赔偿告知单须写明赔偿金额"), field="amount")
    if kind == ProductOutcome.RETURN:
        amount = None
    prefix = policy.service.number_prefix
    number = LETTERS[kind] + (complaint.number or "").removeprefix(prefix)
    try:
        with transaction.atomic():
            decision = ProductDecision.objects.create(
                complaint=complaint,
                outcome=kind,
                number=number,
                opinion=clean_text(opinion, "opinion", required=True),
                amount=amount,
                issued_by=by,
                issued_at=now,
            )
    except IntegrityError:
        raise ServiceError(_("本投诉已出具处理单"), field="outcome") from None
    record(complaint, "product", by=by, now=now, note=f"{kind.label} {number}")
    clock.meet(complaint, [TargetKind.DOCUMENT.value], now=now, policy=policy)
    receivers = people_with_role(RECEIVER[kind], near=None)
    title = deferred(RELAY[kind], number=number)
    link = f"/service/complaints/{complaint.pk}/document/"
    for person in receivers:
        deadline_open(
            title=title,
            assignee=person,
            start=now,
            within=policy.service.product_relay_within,
            policy=policy,
            rule=f"complaint.product.{kind.value}",
            escalation=policy.service.escalation,
            subject=complaint,
            link=link,
        )
    notify_people(receivers, kind="complaint.product", title=title, link=link, policy=policy)
    return decision
