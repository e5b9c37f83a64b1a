"""The policy document's schema (POL-1).

A company's 客户管理制度 as data: every number a seed states is a field here, with the
seed it comes from in its description. Later modules add their sections.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """Unknown keys are errors: a misspelt setting must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyMeta(Section):
    name: str = Field(description="制度名称 — the policy's title")
    version: str = Field(min_length=1, description="版本号")
    effective_date: date = Field(description="生效日期")
    based_on: str = Field(default="", description="来源 — which seed or preset it derives from")


class CodingRule(Section):
    """客户编码规则 (ARC-2, s001 二(一)): prefix + year + zero-padded sequence."""

    prefix: str = Field(default="KH", pattern=r"^[A-Z0-9-]{0,10}$")
    include_year: bool = True
    sequence_digits: int = Field(default=6, ge=3, le=12)


class DataQuality(Section):
    """资料更新 (ARC-6, s001 二(三)): how long a record may go without an update."""

    stale_after_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="N days without an update before the owner is told (chosen default)",
    )


class ArchivePolicy(Section):
    coding: CodingRule = CodingRule()
    data_quality: DataQuality = DataQuality()


class Policy(Section):
    """The whole policy document."""

    policy: PolicyMeta
    archive: ArchivePolicy = ArchivePolicy()
