"""[engagement]: how follow-ups and visits are kept (ENG-4, ENG-6). The visit report's
allowance is a deadline rule (``[deadlines.visit_report]``), like every other allowance."""

from typing import Literal

from pydantic import Field

from .common import FollowUpKindCode, Section


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
