"""The policy document's schema (POL-1).

A company's 客户管理制度 as data: every number a seed states is a field here, with the
seed it comes from in its description. Later modules add their sections.
"""

from datetime import date, time
from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from .analytics_schema import AnalyticsPolicy
from .common import ROLE_CODES, Duration, FollowUpKindCode, Section, known_role
from .credit_schema import CreditPolicy
from .engagement_schema import EngagementPolicy
from .grading_schema import GradingPolicy
from .ownership_schema import OwnershipPolicy
from .service_schema import SOLUTION_APPROVAL, ServicePolicy

__all__ = ["ROLE_CODES", "Duration", "Section"]


class PolicyMeta(Section):
    name: str = Field(description="制度名称 — the policy's title")
    version: str = Field(min_length=1, description="版本号")
    effective_date: date = Field(description="生效日期")
    based_on: str = Field(default="", description="来源 — which seed or preset it derives from")
    extends: str = Field(default="", description="继承的预设:本文件只写与它不同之处")


class CodingRule(Section):
    """客户编码规则 (ARC-2, s001 二(一)): prefix + year + zero-padded sequence."""

    prefix: str = Field(default="KH", pattern=r"^[A-Z0-9-]{0,10}$")
    include_year: bool = True
    sequence_digits: int = Field(default=6, ge=3, le=12)


CUSTOMER_FIELDS = frozenset(
    {
        "phone",
        "customer_type",
        "source",
        "referrer_name",
        "industry",
        "size",
        "province",
        "city",
        "district",
        "address",
        "uscc",
    }
)
STATUSES = frozenset({"potential", "intent", "deal", "lost", "win_back", "blacklisted"})


class DataQuality(Section):
    """资料要求 (ARC-6, s001 二(三)): how long a record may go without an update, which
    fields each lifecycle status requires, and which fields count for completeness."""

    stale_after_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="N days without an update before the owner is told (chosen default)",
    )
    required_by_status: dict[str, list[str]] = Field(
        default={},
        description="status → fields that must be filled in that status",
    )
    completeness_fields: list[str] = Field(
        default=["phone", "source", "industry", "province", "city", "address"],
    )
    # s001 二(三): after an important interaction the owner updates the archive within the
    # `[deadlines.data_update]` allowance; these kinds count as important.
    update_after: list[FollowUpKindCode] = ["visit", "meeting"]

    @model_validator(mode="after")
    def known_fields(self) -> Self:
        for status, fields in self.required_by_status.items():
            if status not in STATUSES:
                raise ValueError(f"未知的客户状态 {status!r} / unknown status")
            if set(fields) - CUSTOMER_FIELDS:
                unknown = sorted(set(fields) - CUSTOMER_FIELDS)
                raise ValueError(f"未知的客户字段 {unknown} / unknown fields")
        if set(self.completeness_fields) - CUSTOMER_FIELDS:
            raise ValueError("completeness_fields: 未知的客户字段 / unknown fields")
        return self


class ProfileField(Section):
    """One field of the contact profile template (ARC-3)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str
    kind: Literal["text", "date", "choice"] = "text"
    choices: list[str] = []
    hint: str = ""


class DuplicateCheck(Section):
    """查重 (ARC-7): whether a duplicate outside the caller's data scope names its owner.
    Chinese CRMs show it, so that two salespeople do not chase one customer; a company
    that guards its ownership more closely turns it off."""

    show_owner_outside_scope: bool = Field(
        default=True, description="name the owner of a duplicate the caller may not see"
    )


class ImportFiles(Section):
    """导入文件留存: how long an uploaded import file is kept after its import ended (for
    an audit of what was imported); 0 deletes it at once."""

    keep_days: int = Field(default=0, ge=0, le=3650, description="chosen default: 0")


class ArchivePolicy(Section):
    coding: CodingRule = CodingRule()
    data_quality: DataQuality = DataQuality()
    duplicate_check: DuplicateCheck = DuplicateCheck()
    import_files: ImportFiles = ImportFiles()
    # The key-person profile template; the general preset ships s003's 客户信息档案.
    contact_profile: list[ProfileField] = []


class CalendarPolicy(Section):
    """工作时间 (SRV-5): working periods of a working day, company-wide."""

    work_periods: list[tuple[time, time]] = Field(
        default=[(time(9), time(12)), (time(13), time(18))],
        min_length=1,
        description="chosen default 09:00–12:00, 13:00–18:00",
    )

    @field_validator("work_periods")
    @classmethod
    def ordered(cls, periods: list[tuple[time, time]]) -> list[tuple[time, time]]:
        for start, end in periods:
            if start >= end:
                raise ValueError(
                    "每段工作时间的开始必须早于结束 / each period must start before it ends"
                )
        return sorted(periods)


class ApprovalStepRule(Section):
    role: str
    label: str = ""
    min_amount: Decimal | None = Field(
        default=None, ge=0, description="step applies only when the amount reaches this"
    )
    deadline: Duration | None = Field(
        default=None, description="this step's own allowance (else the kind's step_deadline)"
    )

    _role = field_validator("role")(known_role)


class ApprovalKind(Section):
    """One seed form's approval chain (APR-1)."""

    name: str
    steps: list[ApprovalStepRule] = Field(min_length=1)
    step_deadline: Duration = Duration(working_days=2)
    escalation: str = "default"


class EscalationChain(Section):
    """Who hears of an overdue item, one level after another (owner → supervisor → …)."""

    roles: list[str] = Field(min_length=1)
    interval: Duration = Duration(working_days=1)

    @field_validator("roles")
    @classmethod
    def known_roles(cls, roles: list[str]) -> list[str]:
        return [known_role(r) for r in roles]


class DeadlineRule(Section):
    name: str
    within: Duration
    escalation: str = "default"


Channel = Literal["inapp", "email", "robot"]


class NotificationPolicy(Section):
    """NTF-2: which channels each kind of notice goes to; in-app is always on."""

    default_channels: list[Channel] = ["inapp"]
    routes: dict[str, list[Channel]] = {}


class TradePolicy(Section):
    """交易台账: the payment term an invoice gets when none is entered (s004 正常收帐期,
    no number given: chosen default 30 days)."""

    payment_days: int = Field(default=30, ge=0, le=365)


class Policy(Section):
    """The whole policy document."""

    policy: PolicyMeta
    archive: ArchivePolicy = ArchivePolicy()
    calendar: CalendarPolicy = CalendarPolicy()
    approvals: dict[str, ApprovalKind] = {}
    escalation: dict[str, EscalationChain] = {
        "default": EscalationChain(roles=["supervisor", "sales_manager", "general_manager"])
    }
    deadlines: dict[str, DeadlineRule] = {}
    notifications: NotificationPolicy = NotificationPolicy()
    trade: TradePolicy = TradePolicy()
    grading: GradingPolicy = GradingPolicy()
    engagement: EngagementPolicy = EngagementPolicy()
    ownership: OwnershipPolicy = OwnershipPolicy()
    service: ServicePolicy = ServicePolicy()
    credit: CreditPolicy = CreditPolicy()
    analytics: AnalyticsPolicy = AnalyticsPolicy()

    @model_validator(mode="after")
    def chains_exist(self) -> Self:
        named = [(f"deadlines.{k}", r.escalation) for k, r in self.deadlines.items()]
        named += [(f"approvals.{k}", a.escalation) for k, a in self.approvals.items()]
        if self.service.categories:
            named.append(("service.escalation", self.service.escalation))
            if SOLUTION_APPROVAL not in self.approvals:
                raise ValueError(
                    f"service: 投诉解决方案需要审批 [approvals.{SOLUTION_APPROVAL}] "
                    f"/ complaints need the approval kind {SOLUTION_APPROVAL!r}"
                )
        if self.credit.enabled and "credit_over_limit" not in self.approvals:
            raise ValueError(
                "credit: 超授信额发货需要审批 [approvals.credit_over_limit] "
                "/ credit needs the approval kind 'credit_over_limit'"
            )
        if (
            self.credit.enabled
            and self.credit.rating.levels
            and "credit_review" not in self.approvals
        ):
            raise ValueError(
                "credit.rating: 信用评审需要审批 [approvals.credit_review] "
                "/ the credit review needs the approval kind 'credit_review'"
            )
        if self.grading.event_downgrade is not None:
            named.append(("grading.event_downgrade", self.grading.event_downgrade.escalation))
        for key, chain in named:
            if chain not in self.escalation:
                raise ValueError(
                    f"{key}.escalation: 没有名为 {chain!r} 的升级链 / no escalation chain {chain!r}"
                )
        return self
