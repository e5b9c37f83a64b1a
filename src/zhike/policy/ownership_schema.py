"""[ownership]: how long a customer stays with its salesperson, and the public pool's rules
(OWN-1, OWN-3, OWN-4, ARC-8). What counts as contact is ``[engagement.qualifying_contact]``:
one setting, read by both (a follow-up that qualifies moves ``last_contact_at``, which is
the ownership clock)."""

from typing import Literal, Self

from pydantic import Field, model_validator

from .common import Section

POOL_CODE = r"^[a-z][a-z0-9_-]{0,29}$"


class KeepOverride(Section):
    """A longer (or shorter) keep for customers of some grade or tier: s000 and the CRMs
    users compare with keep an A customer longer than a C one. The first override whose
    ``when`` the customer's standing matches applies; unset keys inherit the section's."""

    when: dict[Literal["grade", "tier"], str] = Field(min_length=1)
    lapse_days: int | None = Field(default=None, ge=0, le=3650)
    deal_days: int | None = Field(default=None, ge=0, le=3650)
    pool: str | None = Field(default=None, pattern=POOL_CODE)


class ReferralPolicy(Section):
    """OWN-6: referral points (s003-20 联谊会: 老顾客每带一个新顾客参加会议奖励 100 分;
    带来的新顾客达成销售,每 1000 元奖励 100 分). 0 turns a kind off."""

    points_per_attendee: int = Field(default=100, ge=0, le=100_000)
    points_per_sales_unit: int = Field(default=100, ge=0, le=100_000)
    sales_unit_yuan: int = Field(default=1000, ge=1, le=100_000_000)


class OwnershipPolicy(Section):
    # Off, the pool is a list of unowned customers and nobody loses a customer by rule.
    enabled: bool = False
    # Where released customers go unless an override names a pool (the pool's code).
    default_pool: str = Field(default="public", pattern=POOL_CODE)
    # OWN-1 s000 销售部 1: 连续 7 天未联系 → back to the pool. 0 turns the contact rule off.
    lapse_days: int = Field(default=7, ge=0, le=3650)
    # Days owned without a signed order before the customer lapses (0: off).
    deal_days: int = Field(default=0, ge=0, le=3650)
    # The owner is told this many days before a customer lapses (0: no warning).
    notice_days: int = Field(default=2, ge=0, le=365)
    overrides: list[KeepOverride] = []
    # Customers in these statuses never lapse (成交客户 stays with whoever closed it).
    exempt_statuses: list[Literal["potential", "intent", "deal", "lost", "blacklisted"]] = ["deal"]
    # A customer with an order signed within these days does not lapse (0: off).
    keep_after_order_days: int = Field(default=0, ge=0, le=3650)
    # Caps per person (0: no cap): customers owned, customers locked, claims per day.
    max_owned: int = Field(default=0, ge=0, le=1_000_000)
    max_locked: int = Field(default=0, ge=0, le=100_000)
    claims_per_day: int = Field(default=0, ge=0, le=10_000)
    # The person who lost a customer may not claim it back for these days (0: may at once).
    cooldown_days: int = Field(default=0, ge=0, le=3650)
    # A customer fresh in the pool may be claimed only after these hours (0: at once).
    embargo_hours: int = Field(default=0, ge=0, le=24 * 365)
    # OWN-3 s003-20: 3 个月未邀约、未拜访、未电话 → the customer may be reassigned (a list
    # for the manager, not an automatic release). 0: off.
    reassign_after_days: int = Field(default=0, ge=0, le=3650)
    # ARC-8 s000 销售部 3: a direct relative of someone else's customer is that owner's.
    # "refuse": the claim is refused with the reason; "to_owner": it goes to that owner.
    relatives: Literal["refuse", "to_owner", "ignore"] = "refuse"
    referral: ReferralPolicy = ReferralPolicy()

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if self.enabled and self.lapse_days and self.notice_days >= self.lapse_days > 0:
            raise ValueError(
                "ownership.notice_days 必须小于 ownership.lapse_days "
                "/ notice_days must be less than lapse_days"
            )
        if self.max_locked and self.max_owned and self.max_locked > self.max_owned:
            raise ValueError(
                "ownership.max_locked 不能大于 ownership.max_owned "
                "/ max_locked cannot exceed max_owned"
            )
        return self

    def keep_for(self, standing: dict[str, str]) -> tuple[int, int, str]:
        """(lapse days, deal days, pool code) for a customer of this grade/tier."""
        for rule in self.overrides:
            if all(standing.get(axis) == value for axis, value in rule.when.items()):
                return (
                    self.lapse_days if rule.lapse_days is None else rule.lapse_days,
                    self.deal_days if rule.deal_days is None else rule.deal_days,
                    rule.pool or self.default_pool,
                )
        return self.lapse_days, self.deal_days, self.default_pool
