"""[service]: the complaint register's rules (SRV-1…SRV-5, SRV-10). Categories route a
complaint to a handling department and a team's queue; the allowances are deadlines on
the business calendar; the triggers decide what makes a complaint major (s003-18)."""

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from .common import Duration, Section, known_role

CODE = r"^[a-z][a-z0-9_]{0,29}$"
# The approval a proposed solution goes through (s003-6: 经总经理同意): its chain is
# ``[approvals.complaint_solution]``; steps with ``min_amount`` are the authority matrix
# for compensation.
SOLUTION_APPROVAL = "complaint_solution"

# s003-18 2.5 重大客户投诉: 重复投诉、向厂方投诉、堵门、闹事、退换车、媒体负面报道、
# 4S 店认为影响面大或性质恶劣的其他投诉. "repeat" is found from the register itself; the
# others are ticked by the agent or the manager.
MajorTrigger = Literal[
    "repeat", "manufacturer", "regulator", "disturbance", "return_exchange", "media", "judged"
]


class ComplaintCategory(Section):
    """One category (SRV-2): who handles it. ``product`` complaints are verified by the
    technical department first (SRV-6, s004 产品原因投诉)."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=40)
    department: str = Field(min_length=1, max_length=50, description="the handling department")
    team: str = Field(default="complaint", pattern=CODE)
    product: bool = False


class ServiceTeam(Section):
    """SRV-10 (s003-9): 订单组、投诉组、服务组 — each a queue."""

    name: str = Field(min_length=1, max_length=40)


class ServicePolicy(Section):
    # The number's letters: TS + date + sequence (TS20261201-000123).
    number_prefix: str = Field(default="TS", pattern=r"^[A-Z]{1,6}$")
    categories: list[ComplaintCategory] = Field(default=[], max_length=50)
    teams: dict[str, ServiceTeam] = {
        "order": ServiceTeam(name="订单组"),
        "complaint": ServiceTeam(name="投诉组"),
        "service": ServiceTeam(name="服务组"),
    }
    major_triggers: list[MajorTrigger] = [
        "repeat",
        "manufacturer",
        "regulator",
        "disturbance",
        "return_exchange",
        "media",
        "judged",
    ]
    # A complaint is a repeat when the same customer (or phone) complained within these days.
    repeat_days: int = Field(default=90, ge=0, le=3650)
    # SRV-5 s003-6/19: 一个工作日内提出解决办法; 7 天内结案; 重大投诉 24 小时内预警报告.
    solution_within: Duration = Duration(working_days=1)
    closure_within: Duration = Duration(calendar_days=7)
    major_warning_within: Duration = Duration(calendar_days=1)
    # SRV-6 s004: 技术部出具《顾客退货处理报告》或《赔偿告知单》在一个工作日内传递; the
    # receiving department acts on it within one more working day.
    product_document_within: Duration = Duration(working_days=1)
    product_relay_within: Duration = Duration(working_days=1)
    # The handler is warned when this share of a target's time has passed (0: no warning).
    warn_at_percent: int = Field(default=80, ge=0, le=99)
    escalation: str = "service"
    # SRV-7/8 s003-19: 每月 10 日前 the monthly complaint report, prepared by one role,
    # signed by another (s004 主管经理签字; chosen default: the general manager).
    report_day: int = Field(default=10, ge=1, le=28)
    report_role: str = "crm_manager"
    report_signer_role: str = "general_manager"
    # An e-mail's attachments larger than this are not kept apart (the raw mail is).
    mail_attachment_max_mb: int = Field(default=10, ge=1, le=100)
    # The public complaint page (no login): on or off, and how many per address per hour.
    public_form: bool = True
    public_per_hour: int = Field(default=5, ge=1, le=1000)

    _roles = field_validator("report_role", "report_signer_role")(known_role)

    @model_validator(mode="after")
    def consistent(self) -> Self:
        codes = [c.code for c in self.categories]
        if len(codes) != len(set(codes)):
            raise ValueError("service.categories: 类别代码重复 / duplicate category code")
        for category in self.categories:
            if category.team not in self.teams:
                raise ValueError(
                    f"service.categories.{category.code}.team: 没有名为 {category.team!r} 的小组 "
                    f"/ no team {category.team!r}"
                )
        return self

    def category(self, code: str) -> ComplaintCategory | None:
        return next((c for c in self.categories if c.code == code), None)
