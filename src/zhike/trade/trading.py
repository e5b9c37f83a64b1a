"""Whether a customer may trade: the one check every module that books orders or grants
credit calls (GRD-8 blacklist here; other modules add theirs, e.g. GRD-9 admission, by
registering a guard in their AppConfig.ready)."""

from collections.abc import Callable

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
