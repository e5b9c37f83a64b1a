"""The shipping decision (CRD-3, s003-12 2): pure — given the facts a check gathered, which
way a shipment may go and why, in Chinese. No database, no clock."""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.utils.translation import gettext as _

from zhike.policy.credit_schema import CreditPolicy

Verdict = Literal["ship", "approval", "liability", "refused"]


@dataclass(frozen=True)
class Facts:
    amount: Decimal
    limit: Decimal
    exposure: Decimal
    missing: list[str] = field(default_factory=list)  # eligibility items not met
    over_this_month: int = 0  # over-limit shipments already this month
    overdue_blocked: bool = False
    prepaid: bool = False

    @property
    def headroom(self) -> Decimal:
        return self.limit - self.exposure


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    outcome: str  # models.Outcome, or "" when refused
    reason: str


def decide(facts: Facts, policy: CreditPolicy) -> Decision:
    share = policy.share
    if facts.overdue_blocked:
        return Decision(
            "refused",
            "",
            _("有逾期超过 %(n)s 天的应收款,停止发货") % {"n": policy.overdue_block_days},
        )
    if facts.missing:
        if facts.prepaid:
            return Decision("ship", "prepaid", _("未授信客户,现金开票提货"))
        return Decision(
            "refused",
            "",
            _("未取得授信资格(%(missing)s):须现金开票提货,并制定货款回笼计划")
            % {"missing": "、".join(facts.missing)},
        )
    if facts.exposure + facts.amount <= facts.limit:
        return Decision("ship", "within", _("授信额内发货"))
    if facts.prepaid:
        return Decision("ship", "prepaid", _("超授信额,先汇款后依款发货"))
    if facts.limit <= 0 or Fraction(facts.amount) >= Fraction(facts.limit) * share:
        return Decision(
            "refused",
            "",
            _(
                "超授信额发货须小于授信额的 %(share)s"
                "(授信额 %(limit)s 元,本次 %(amount)s 元),或先汇款后发货"
            )
            % {"share": str(share), "limit": facts.limit, "amount": facts.amount},
        )
    if facts.over_this_month == 0 and policy.over_limit_per_month >= 1:
        return Decision("approval", "first_over", _("首次超授信额发货,须区域经理签发"))
    if facts.over_this_month < policy.over_limit_per_month:
        return Decision("liability", "last_over", _("末次超授信额发货,须区域经理签发并指定责任人"))
    return Decision(
        "refused",
        "",
        _("本月超授信额发货已达 %(n)s 次:须先汇款后发货") % {"n": policy.over_limit_per_month},
    )
