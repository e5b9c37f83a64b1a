"""Building blocks every policy section shares."""

from pydantic import BaseModel, ConfigDict

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


def known_role(code: str) -> str:
    if code not in ROLE_CODES:
        choices = ", ".join(sorted(ROLE_CODES))
        raise ValueError(f"未知角色 {code!r} / unknown role; 可选 one of: {choices}")
    return code


class Section(BaseModel):
    """Unknown keys are errors: a misspelt setting must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
