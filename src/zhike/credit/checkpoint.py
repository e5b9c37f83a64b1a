"""The check point (issue 16 item 1, ``[credit] check_at``): where the company's policy
checks credit at the contract or at the invoice instead of the 发货单, the ledger's
document is checked as trade records it, under the customer's row lock — within the
limit it goes; otherwise it is refused with the reason. The over-limit exceptions of
s003-12 2.2 (the regional manager's signature, named liability, prepayment) are a
shipment's: the refusal says so, and an invoice made for a shipment is not checked twice.

Also the customer's payment days for trade's invoices: longer terms approved as special
terms (s003-12 1.4.2)."""

from datetime import date

from django.utils.translation import gettext as _

from zhike.policy.schema import Policy
from zhike.trade.errors import TradeError
from zhike.trade.trading import Document

from .services import check
from .terms import terms_in_force


def applies(kind: str, policy: Policy) -> bool:
    return policy.credit.enabled and policy.credit.check_at == kind


def document_guard(document: Document, policy: Policy) -> None:
    result = check(document.customer, amount=document.amount, on=document.on, policy=policy)
    decision = result.decision
    if decision.verdict == "ship":
        return
    if decision.verdict == "refused":
        raise TradeError(decision.reason, field="credit")
    raise TradeError(
        _("%(reason)s。超授信额须开具发货单,经审批后发货(或先汇款后发货)")
        % {"reason": decision.reason},
        field="credit",
    )


def payment_days(customer_id: int, day: date, policy: Policy) -> int | None:
    if not policy.credit.enabled:
        return None
    terms = terms_in_force(customer_id, day)
    return terms.payment_days if terms is not None else None
