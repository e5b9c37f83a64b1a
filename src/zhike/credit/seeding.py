"""The demo's credit (issue 16): the demo company runs the general policy with credit
switched on as its own approved policy version (a real company's 制度修订), so that the
shipping step, the reviews, the aging table and the findings have something to show.
Every record is made through the services: the rules decide, not the seed."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.org.models import User
from zhike.policy.loader import parse_policy
from zhike.policy.models import PolicyVersion
from zhike.policy.schema import Policy
from zhike.trade.models import Invoice

from . import evidence, services, terms
from .errors import CreditError

DEMO_VERSION = """[policy]
name = "演示公司客户管理制度(启用授信管理)"
version = "demo-credit-1"
effective_date = {today}
extends = "general"

[credit]
enabled = true   # s003-12 授信规定: the demo shows credit
"""


def demo_credit_policy(*, by: User, now: datetime) -> Policy:
    """The approved version in force from today: general with credit on."""
    today = timezone.localdate(now)
    text = DEMO_VERSION.format(today=today.isoformat())
    PolicyVersion.objects.create(
        version="demo-credit-1",
        name="演示公司客户管理制度(启用授信管理)",
        effective_date=today,
        text=text,
        note="演示:启用授信管理",
        state=PolicyVersion.State.APPROVED,
        submitted_by=by,
        submitted_at=now,
        decided_at=now,
    )
    return parse_policy(text, "version:demo-credit-1")


def load_demo_credit(
    rng: random.Random, *, users: dict[str, User], policy: Policy, now: datetime
) -> None:
    """sales1's customers with the most invoiced in the 30 days before today: one with
    a shipment within its limit and its contract attested, one waiting for the regional
    manager's signature over the limit, one asking for longer terms."""
    today = timezone.localdate(now)
    window = today - timedelta(days=policy.credit.limit.rolling_days)
    ranked = (
        Invoice.objects.filter(
            customer__owner=users["sales1"], issued_on__gte=window, issued_on__lt=today
        )
        .values("customer")
        .annotate(s=Sum("amount"))
        .order_by("-s")[:3]
    )
    customers = list(Customer.objects.filter(pk__in=[r["customer"] for r in ranked]))
    for index, customer in enumerate(customers):
        if not (customer.address and (customer.uscc or customer.id_number_hash)):
            customer.address = customer.address or "北京市朝阳区建国路 88 号"
            customer.uscc = customer.uscc or f"91110105MA0{customer.pk:07d}X"[:18]
            customer.save(update_fields=["address", "uscc"])
        evidence.attest(
            by=users["fin1"],
            customer_id=customer.pk,
            requirement="contract_signed",
            evidence="经销合同(含结算协议)原件已归档",
            policy=policy,
            now=now,
        )
        view = services.check(customer, amount=Decimal("0.01"), on=today, policy=policy)
        limit = view.facts.limit
        if limit <= 0:
            continue
        if index == 0:
            amount = max(view.facts.headroom, Decimal(0)) / 2 or Decimal(100)
        elif index == 1:  # over the limit, under a third of it: the first over-limit one
            amount = (limit / 4).quantize(Decimal("0.01"))
            if view.facts.exposure + amount <= limit:
                amount = (limit - view.facts.exposure + limit / 4).quantize(Decimal("0.01"))
        else:
            terms.terms_request(
                by=users["sales1"],
                customer_id=customer.pk,
                limit=(limit * 2).quantize(Decimal("1")),
                payment_days=60,
                valid_until=today + timedelta(days=90),
                reason="旺季备货,客户回款记录良好,按经销合同 60 天账期",
                policy=policy,
                now=now,
            )
            continue
        try:
            services.shipment_create(
                by=users["sales1"],
                customer_id=customer.pk,
                number=f"FH-DEMO-{customer.pk}-{rng.randrange(1000):03d}",
                amount=amount.quantize(Decimal("0.01")),
                shipped_on=today,
                policy=policy,
                now=now,
            )
        except CreditError:  # the rules refused this one: the demo shows the rest
            continue
