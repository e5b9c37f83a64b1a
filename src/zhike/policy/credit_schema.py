"""[credit]: who gets credit and how much (CRD-1…CRD-3, s003-12 授信规定). The limit is a
formula: the invoiced sales of the ``rolling_days`` before the shipping date (rolling
daily), or a fixed amount, within a floor and a cap, per grade; exposure is the buckets
named; over the limit, the seed's two exceptions and prepayment."""

from decimal import Decimal
from fractions import Fraction
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from .common import Section, known_role

Bucket = Literal["receivables", "shipped_not_invoiced", "ordered_not_shipped"]
Requirement = Literal["archive_complete", "contract_signed", "last_year_cleared"]
# The document whose making the credit check guards (issue 16 item 1).
CheckPoint = Literal["order", "shipment", "invoice"]


class LimitRule(Section):
    """How a limit is computed. ``rolling_days`` 0 with ``fixed``: a fixed limit."""

    rolling_days: int = Field(default=30, ge=0, le=366)
    fixed: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    floor: Decimal = Field(default=Decimal(0), ge=0, max_digits=16, decimal_places=2)
    cap: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if not self.rolling_days and self.fixed is None:
            raise ValueError("credit.limit: 设置 rolling_days 或 fixed / set rolling_days or fixed")
        if self.cap is not None and self.cap < self.floor:
            raise ValueError("credit.limit.cap 不能小于 floor / cap below floor")
        return self


class RatingLevel(Section):
    """One credit rating (信用等级, CRD-5): the ledger's figures over the review period a
    customer must meet for it, and the share of the limit formula it is granted."""

    key: str = Field(min_length=1, max_length=10)
    label: str = Field(min_length=1, max_length=30)
    # 按时回款率 % at least (a customer with nothing due in the period meets it).
    min_on_time: int = Field(default=0, ge=0, le=100)
    max_overdue: int | None = Field(default=None, ge=0, description="逾期笔数 at most")
    # The oldest open invoice at the period's end, days past due, at most.
    max_days_overdue: int | None = Field(default=None, ge=0, le=3650)
    # The limit in force is this share of the formula's (0: no credit, cash first).
    limit_percent: int = Field(default=100, ge=0, le=1000)


class RatingPolicy(Section):
    """CRD-5 (s004 信用审核): 业务部每年两次对授予信用的客户进行审核 … 进行升级或降级评审,
    填写“客户升(降)级评审表”,评审成果要及时通报办事处、财务部. Levels highest first; a
    customer gets the first whose conditions it meets, else the last. The thresholds and
    percentages are chosen defaults (the seed gives none)."""

    levels: list[RatingLevel] = [
        RatingLevel(key="A", label="信用优良", min_on_time=95, max_overdue=0,
                    max_days_overdue=0, limit_percent=120),
        RatingLevel(key="B", label="信用良好", min_on_time=80, max_overdue=2,
                    max_days_overdue=30, limit_percent=100),
        RatingLevel(key="C", label="信用一般", min_on_time=60, max_overdue=5,
                    max_days_overdue=90, limit_percent=50),
        RatingLevel(key="D", label="信用较差", limit_percent=0),
    ]  # fmt: skip
    review_months: int = Field(default=6, ge=1, le=24)  # 每年两次
    # 通报办事处、财务部: who is told the applied results.
    notify_roles: list[str] = ["office_director", "finance"]

    _roles = field_validator("notify_roles")(lambda roles: [known_role(r) for r in roles])

    @field_validator("levels")
    @classmethod
    def distinct(cls, levels: list[RatingLevel]) -> list[RatingLevel]:
        keys = [level.key for level in levels]
        if len(keys) != len(set(keys)):
            raise ValueError("credit.rating.levels: 等级代码重复 / duplicate level keys")
        return levels

    def level(self, key: str) -> RatingLevel | None:
        return next((level for level in self.levels if level.key == key), None)


class CreditPolicy(Section):
    enabled: bool = False
    # s003-12 1.1: 已建立客户档案(含身份证复印件)、已签订业务合同(含结算协议)、上年度货款清零.
    eligibility: list[Requirement] = ["archive_complete", "contract_signed", "last_year_cleared"]
    # The items data cannot fully show — an ID copy seen, a contract's settlement terms —
    # may be attested by a person with evidence (a note or a file); last year's balance is
    # the ledger's to say. Who attests: ``attested_by`` (chosen default: finance).
    attestable: list[Requirement] = ["archive_complete", "contract_signed"]
    attested_by: list[str] = ["finance", "office_director"]
    # Where the check runs (s003-12 开票发货规定: the 发货单, chosen default). At "order"
    # or "invoice" the ledger's document is checked when it is made: within the limit it
    # is recorded, otherwise refused with the reason — the over-limit exceptions (2.2.1–
    # 2.2.3: signed first shipment, liable last one, prepayment) are a shipment's, so an
    # invoice made for an approved shipment is not checked twice.
    check_at: CheckPoint = "shipment"
    limit: LimitRule = LimitRule()
    # A grade's own rule (an A customer's cap is higher); the grade code as the key.
    by_grade: dict[str, LimitRule] = {}
    exposure: list[Bucket] = Field(default=["receivables", "shipped_not_invoiced"], min_length=1)
    # Orders signed within these days count for "ordered_not_shipped".
    order_window_days: int = Field(default=90, ge=1, le=3660)
    # Receivables overdue by more than these days block any shipment (0: off).
    overdue_block_days: int = Field(default=0, ge=0, le=3650)
    # s003-12 2.2: 首次/末次超授信额发货,发货额应小于授信额的三分之一.
    over_limit_share: str = "1/3"
    # Over-limit shipments per month: the first signed by the regional manager, the last
    # with named personal liability; then none (prepay instead).
    over_limit_per_month: int = Field(default=2, ge=0, le=10)
    over_limit_approver: str = "sales_manager"  # 区域经理 (chosen default role)
    # CRD-7 s004: a receivable overdue this many days with no payment received in as many
    # days is a likely refusal (0: only refusals recorded by hand). Chosen default: off.
    refusal_overdue_days: int = Field(default=0, ge=0, le=3650)
    # Who gets the emergency report at once (s004: 紧急报告各级), beside the owner.
    risk_report_roles: list[str] = [
        "supervisor",
        "sales_manager",
        "vice_president",
        "general_manager",
        "finance",
    ]
    # CRD-6 s003-12 3.1: 授信额内发生的坏账,相关人员按一定比例承担 — the share (percent)
    # each role bears; "salesperson" is the customer's own salesperson. Chosen default.
    bad_debt_shares: dict[str, int] = {"salesperson": 10}
    # CRD-4 s004: 正常收帐期内由办事处催收,超过的由企划部门催收. The owner gets a deadline
    # this many days before an invoice falls due; once it is overdue, the role named here
    # (chosen default: the sales manager, for the planning department) gets one, due in
    # ``collection_overdue_days`` calendar days, escalating like any deadline.
    collection_notice_days: int = Field(default=7, ge=0, le=365)
    collection_overdue_role: str = "sales_manager"
    collection_overdue_days: int = Field(default=7, ge=1, le=365)
    # CRD-4 s004 应收账款账龄登记表: days past due that split the buckets (not yet due,
    # 1–30, 31–60, 61–90, over 90 with the defaults; chosen default).
    aging_days: list[int] = Field(default=[30, 60, 90], min_length=1, max_length=8)
    # CRD-5: the credit rating and its semi-annual review ([approvals.credit_review]).
    rating: RatingPolicy = RatingPolicy()

    _approver = field_validator("over_limit_approver", "collection_overdue_role")(known_role)
    _report_roles = field_validator("risk_report_roles", "attested_by")(
        lambda roles: [known_role(r) for r in roles]
    )

    @field_validator("attestable")
    @classmethod
    def not_the_ledgers(cls, items: list[Requirement]) -> list[Requirement]:
        if "last_year_cleared" in items:
            raise ValueError(
                "credit.attestable: 上年度货款清零由台账判断,不能人工证明 / "
                "last_year_cleared is the ledger's to say"
            )
        return items

    @field_validator("bad_debt_shares")
    @classmethod
    def shares(cls, shares: dict[str, int]) -> dict[str, int]:
        for role, percent in shares.items():
            known_role(role)
            if not 0 < percent <= 100:
                raise ValueError(
                    "credit.bad_debt_shares: 比例应在 1 到 100 之间 / 1 to 100 percent"
                )
        if sum(shares.values()) > 100:
            raise ValueError("credit.bad_debt_shares: 合计不能超过 100 / at most 100 in all")
        return shares

    @field_validator("aging_days")
    @classmethod
    def increasing(cls, days: list[int]) -> list[int]:
        if any(d <= 0 for d in days) or days != sorted(set(days)):
            raise ValueError("credit.aging_days 应为递增的正整数 / increasing positive days")
        return days

    @field_validator("over_limit_share")
    @classmethod
    def a_fraction(cls, value: str) -> str:
        try:
            share = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError(
                "credit.over_limit_share 应为分数,如 1/3 / a fraction such as 1/3"
            ) from None
        if not 0 < share <= 1:
            raise ValueError("credit.over_limit_share 应在 0 和 1 之间 / between 0 and 1")
        return value

    @property
    def share(self) -> Fraction:
        return Fraction(self.over_limit_share)

    def rule_for(self, grade: str) -> LimitRule:
        return self.by_grade.get(grade, self.limit)
