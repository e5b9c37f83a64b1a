"""Whether a customer may trade: the check every module that books orders or credit calls
(GRD-8 blacklist; GRD-9 admission is added by the grading module's policy)."""

from django.utils.translation import gettext as _

from zhike.archive.models import Customer, CustomerStatus

from .errors import TradeError


def check_may_trade(customer: Customer) -> None:
    """Raise :class:`TradeError` when the customer may not get new orders or credit."""
    if customer.status == CustomerStatus.BLACKLISTED:
        raise TradeError(_("该客户在黑名单中,不能新增订单或授信"))
