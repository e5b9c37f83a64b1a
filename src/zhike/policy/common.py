"""Building blocks every policy section shares."""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The seed roles (ORG-1); kept here as plain codes so the policy package stays independent.
ROLE_CODES = frozenset(
    {
        "salesperson",
        "supervisor",
        "sales_manager",
        "vice_president",
        "general_manager",
        "service_agent",
        "crm_manager",
        "finance",
        "technical",
        "production",
        "archivist",
        "office_director",
    }
)


# The kinds of follow-up (跟进方式, ENG-6), as the engagement app stores them.
FollowUpKindCode = Literal["call", "visit", "wechat", "meeting", "email", "other"]


def known_role(code: str) -> str:
    if code not in ROLE_CODES:
        choices = ", ".join(sorted(ROLE_CODES))
        raise ValueError(f"未知角色 {code!r} / unknown role; 可选 one of: {choices}")
    return code


class Section(BaseModel):
    """Unknown keys are errors: a misspelt setting must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(Section):
    """A time allowance: exactly one of working days, working hours or calendar days."""

    working_days: int | None = Field(default=None, ge=0, le=365)
    working_hours: float | None = Field(default=None, ge=0, le=2000)
    calendar_days: int | None = Field(default=None, ge=0, le=3650)

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        given = [
            v for v in (self.working_days, self.working_hours, self.calendar_days) if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "必须且只能设置 working_days、working_hours、calendar_days 之一 "
                "/ set exactly one of working_days, working_hours, calendar_days"
            )
        return self
