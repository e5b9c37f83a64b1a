"""Whether a customer may trade: the one check every module that books orders or grants
credit calls (GRD-8 blacklist here; other modules add theirs, e.g. GRD-9 admission, by
registering a guard in their AppConfig.ready). Also the hooks through which a module
above the ledger checks a document before it is recorded (credit's check point, CRD-3)
and gives a customer its payment terms (CRD-2 longer terms by approval): trade sits
below those modules and must not import them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _

from zhike.archive.models import Customer, CustomerStatus
from zhike.policy.schema import Policy

from .errors import TradeError

TradeGuard = Callable[[Customer, Policy], None]
_guards: list[TradeGuard] = []


def register_trade_guard(guard: TradeGuard) -> None:
    """A guard raises :class:`TradeError` with the reason when the customer may not trade."""
    if guard not in _guards:
        _guards.append(guard)


def check_may_trade(customer: Customer, policy: Policy) -> None:
    """Raise :class:`TradeError` when the customer may not get new orders or credit."""
    if customer.status == CustomerStatus.BLACKLISTED:
        raise TradeError(_("该客户在黑名单中,不能新增订单或授信"))
    for guard in _guards:
        guard(customer, policy)


@dataclass(frozen=True)
class Document:
    """A contract or an invoice about to be recorded, under its customer's row lock."""

    kind: Literal["order", "invoice"]
    customer: Customer
    number: str
    amount: Decimal
    on: date


DocumentGuard = Callable[[Document, Policy], None]
# Whether a guard checks documents of a kind under a policy (bulk writers ask first).
Applies = Callable[[str, Policy], bool]
_document_guards: list[tuple[DocumentGuard, Applies]] = []


def register_document_guard(guard: DocumentGuard, applies: Applies) -> None:
    """``guard`` raises :class:`TradeError` with the reason when the document may not be
    recorded; ``applies`` says whether it checks a kind of document under a policy."""
    if all(guard is not g for g, _a in _document_guards):
        _document_guards.append((guard, applies))


def guarded(kind: str, policy: Policy) -> bool:
    return any(applies(kind, policy) for _g, applies in _document_guards)


def check_document(document: Document, policy: Policy) -> None:
    for guard, applies in _document_guards:
        if applies(document.kind, policy):
            guard(document, policy)


# The payment days a customer has on a day, when a module grants it terms of its own.
TermsProvider = Callable[[int, date, Policy], int | None]
_terms: list[TermsProvider] = []


def register_payment_terms(provider: TermsProvider) -> None:
    if provider not in _terms:
        _terms.append(provider)


def payment_days_for(customer_id: int, day: date, policy: Policy) -> int:
    """The customer's payment days for an invoice of ``day``: its own terms where a
    module grants them, else the policy's ``[trade] payment_days``."""
    for provider in _terms:
        days = provider(customer_id, day, policy)
        if days is not None:
            return days
    return policy.trade.payment_days
