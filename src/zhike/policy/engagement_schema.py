"""[engagement]: how follow-ups and visits are kept (ENG-4, ENG-6). The visit report's
allowance is a deadline rule (``[deadlines.visit_report]``), like every other allowance."""

from typing import Literal

from pydantic import Field, field_validator

from .common import FollowUpKindCode, Section, known_role


class QualifyingContact(Section):
    """Which follow-ups count as contact with the customer: they move ``last_contact_at``,
    which ownership and the stale-customer reminders read. A one-word note of a missed call
    should not keep a customer."""

    kinds: list[FollowUpKindCode] = ["call", "visit", "wechat", "meeting"]
    min_content_chars: int = Field(
        default=5, ge=0, le=2000, description="shorter notes do not count (chosen default)"
    )


class EngagementPolicy(Section):
    qualifying_contact: QualifyingContact = QualifyingContact()
    # 外勤签到: on these kinds the phone's location is asked for ("ask"), refused without
    # it ("require"), or not asked ("off"). The browser asks the person's consent.
    check_in: Literal["off", "ask", "require"] = "ask"
    check_in_kinds: list[FollowUpKindCode] = ["visit"]
    attachment_max_mb: int = Field(default=10, ge=1, le=100)
    # ENG-3 s003-4: 每月底提出下月拜访计划书 — next month's plan is due on this day of the
    # month (a later day than the month has means its last day), 18:00.
    visit_plan_due_day: int = Field(default=25, ge=1, le=31)
    visit_plan_roles: list[str] = ["salesperson"]

    _roles = field_validator("visit_plan_roles")(lambda roles: [known_role(r) for r in roles])
