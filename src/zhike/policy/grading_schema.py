"""The ``[grading]`` section of the policy (GRD-1…GRD-6): score tables, tiers, quotas.

Kept beside :mod:`zhike.policy.schema` (which includes it) because it is the largest
section. Every number has a default from the seeds or says it is a chosen default.
"""

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from .common import Duration, Section, known_role

# The ledger figures indicators and criteria may use (zhike.trade.metrics documents each).
Metric = Literal[
    "contract_amount",
    "volume",
    "price_premium",
    "order_count",
    "collected_amount",
    "on_time_ratio",
    "overdue_count",
    "receivables",
]
# Archive fields a criterion may test (GRD-1's industry/region/size axes live there).
CriterionField = Literal["size", "industry", "province", "city", "customer_type"]
KEY = r"^[a-z][a-z0-9_]{0,29}$"
# The classifications by rules (GRD-1), in the order pages show them: value tier, size
# (大客户/一般客户) and purchasing behaviour.
RULED_AXES = ("tier", "size_class", "behaviour")


class Band(Section):
    """One row of an indicator's score table, e.g. ``at_least = 5000000`` scores 40.

    Bounds say their own inclusivity, as the seeds do: ``at_least`` (≥), ``above`` (>),
    ``below`` (<), ``at_most`` (≤). ``on_time`` adds s004's "并及时回款": the band applies
    only when no invoice of the period was paid late or is overdue. Bands are tried in
    order; the first that applies scores, none scores 0.
    """

    at_least: Decimal | None = None
    above: Decimal | None = None
    below: Decimal | None = None
    at_most: Decimal | None = None
    on_time: bool = False
    points: Decimal = Field(ge=0)
    label: str = ""

    @model_validator(mode="after")
    def one_bound_per_side(self) -> Self:
        if self.at_least is not None and self.above is not None:
            raise ValueError("at_least 与 above 只能写一个 / give at_least or above, not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("below 与 at_most 只能写一个 / give below or at_most, not both")
        return self


class ManualOption(Section):
    key: str = Field(pattern=KEY)
    label: str
    points: Decimal = Field(ge=0)


class Indicator(Section):
    """A scored indicator: a ledger figure with bands, or a manual rating with options
    (s004 战略影响, "需业务部经理以上领导评估": ``rated_by`` lists who may rate)."""

    key: str = Field(pattern=KEY)
    label: str
    metric: Metric | None = None
    bands: list[Band] = []
    options: list[ManualOption] = []
    rated_by: list[str] = []

    _roles = field_validator("rated_by")(lambda roles: [known_role(r) for r in roles])

    @model_validator(mode="after")
    def one_kind(self) -> Self:
        if self.metric is not None:
            if not self.bands or self.options:
                raise ValueError(
                    "按数据评分的指标需要 bands,不能有 options / a metric indicator needs bands"
                )
        elif not self.options or not self.rated_by:
            raise ValueError(
                "人工评分的指标需要 options 和 rated_by / a manual indicator needs options "
                "and rated_by (or give it a metric and bands)"
            )
        return self


class GradeBand(Section):
    key: str = Field(pattern=r"^[A-Za-z0-9_]{1,10}$")
    label: str
    min_score: Decimal = Field(ge=0)


class Scorecard(Section):
    """评分分级 (GRD-2): indicator points add up to a total; the total's band is the grade."""

    name: str = "客户等级"
    indicators: list[Indicator] = Field(min_length=1)
    grades: list[GradeBand] = Field(min_length=2, description="highest first")

    @model_validator(mode="after")
    def bands_descend(self) -> Self:
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
            raise ValueError(
                "grades 必须按 min_score 从高到低排列且互不相同 / grades must descend by min_score"
            )
        if scores[-1] != 0:
            raise ValueError("最低等级的 min_score 必须为 0 / the lowest grade must start at 0")
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            raise ValueError("指标 key 重复 / indicator keys must be unique")
        return self

    @property
    def lowest(self) -> GradeBand:
        return self.grades[-1]


class Criterion(Section):
    """One condition of a tier (GRD-5): a ledger figure against a bound, an archive field
    in a list, a manual attestation (书面认定, e.g. a long lease), or any of several."""

    label: str = ""
    metric: Metric | None = None
    at_least: Decimal | None = None
    at_most: Decimal | None = None
    field: CriterionField | None = None
    values: list[str] = []
    attestation: str | None = Field(default=None, pattern=KEY)
    any: list["Criterion"] = []
    all: list["Criterion"] = []

    @model_validator(mode="after")
    def one_kind(self) -> Self:
        kinds = [self.metric is not None, self.field is not None, self.attestation is not None]
        kinds += [bool(self.any), bool(self.all)]
        if sum(kinds) != 1:
            raise ValueError(
                "每个条件只能是 metric、field、attestation、any、all 之一 "
                "/ a criterion is exactly one of metric, field, attestation, any, all"
            )
        if self.metric is not None and self.at_least is None and self.at_most is None:
            raise ValueError("metric 条件需要 at_least 或 at_most / give at_least or at_most")
        if self.field is not None and not self.values:
            raise ValueError("field 条件需要 values / a field criterion needs values")
        return self


class Quota(Section):
    """名额上限 (GRD-4, s000): shares of all reviewed customers and of the customers whose
    main category (主营品种) is the same; places are rounded down."""

    share_of_all: Decimal | None = Field(default=None, gt=0, le=1)
    share_of_category: Decimal | None = Field(default=None, gt=0, le=1)


class Level(Section):
    key: str = Field(pattern=KEY)
    label: str
    criteria: list[Criterion] = Field(default=[], description="all must hold")
    quota: Quota | None = None


class RuledAxis(Section):
    """A classification by rules (GRD-1, GRD-5): levels highest first, each with criteria
    and an optional quota; the last level takes everyone else. Candidates beyond a quota
    are ranked by ``rank_by`` (largest first) and fall to the next level they meet."""

    name: str
    levels: list[Level] = Field(min_length=2)
    rank_by: list[Metric] = ["contract_amount"]

    @model_validator(mode="after")
    def last_is_default(self) -> Self:
        last = self.levels[-1]
        if last.criteria or last.quota:
            raise ValueError(
                "最后一级是其余客户的默认级别,不能有 criteria 或 quota "
                "/ the last level takes everyone else: no criteria or quota"
            )
        keys = [level.key for level in self.levels]
        if len(set(keys)) != len(keys):
            raise ValueError("级别 key 重复 / level keys must be unique")
        return self

    @property
    def default(self) -> Level:
        return self.levels[-1]


class AttestationRule(Section):
    """A fact a person attests rather than the ledger shows (GRD-5 "manual attestations")."""

    key: str = Field(pattern=KEY)
    label: str
    rated_by: list[str] = Field(min_length=1)
    valid_months: int | None = Field(default=None, ge=1, le=120)

    _roles = field_validator("rated_by")(lambda roles: [known_role(r) for r in roles])


class EventDowngrade(Section):
    """事件降级 (GRD-7, s000 五 3(3)): a problem recorded on a customer of the listed
    levels opens a deadline to downgrade it; missed, it escalates."""

    axis: Literal["tier", "grade"] = "tier"
    levels: list[str] = Field(min_length=1, description="levels a problem puts under review")
    kinds: dict[str, str] = Field(
        default={
            "contract_execution": "对已签订合同的执行能力差",
            "late_fees": "交费不及时",
            "operating_crisis": "日常运行出现重大危机",
        },
        description="s000 五 3(3): 包括但不限于",
    )
    within: Duration = Duration(calendar_days=5)
    assignee_role: str = "sales_manager"
    escalation: str = "default"
    # s000: 导致公司重大损失或声誉损害的, 及时报送营销事业部和公司分管领导.
    report_severe_to: list[str] = ["vice_president", "general_manager"]

    _roles = field_validator("report_severe_to")(lambda roles: [known_role(r) for r in roles])
    _role = field_validator("assignee_role")(known_role)


class AdmissionItem(Section):
    key: str = Field(pattern=KEY)
    label: str


class Admission(Section):
    """准入 (GRD-9, s000 五 1): the checklist a customer passes, each item with evidence and
    who checked it, before it may trade."""

    items: list[AdmissionItem] = Field(min_length=1)
    checked_by: list[str] = ["supervisor", "sales_manager", "vice_president"]
    required_for_trade: bool = True

    _roles = field_validator("checked_by")(lambda roles: [known_role(r) for r in roles])


class Blacklist(Section):
    """客户黑名单 (GRD-8, s000 五 3(5)): proposal → verification → approval; arrears
    collected by the market and finance teams; valid 6 months, shortenable; re-entry after
    expiry by approval only, at the lowest level."""

    valid_months: int = Field(default=6, ge=1, le=120, description="s000: 有效期暂定6个月")
    verify_role: str = "vice_president"
    collection_roles: list[str] = ["sales_manager", "finance"]
    collection_within: Duration = Duration(working_days=10)

    _role = field_validator("verify_role")(known_role)
    _roles = field_validator("collection_roles")(lambda roles: [known_role(r) for r in roles])


class TreatmentCell(Section):
    """One cell of the treatment matrix (GRD-10, s004 分类客户享有待遇): who a customer of
    these levels is to the company — shipping and production priority, price level, who
    revisits how often, how often the salesperson reports, complaint priority."""

    when: dict[Literal["grade", "tier", "size_class"], str] = Field(min_length=1)
    label: str
    priority: int = Field(ge=1, le=99, description="1 = first (shipping, production, queues)")
    price_level: str = ""
    revisit_every_months: int | None = Field(default=None, ge=1, le=24)
    revisit_roles: list[str] = []
    report_every_months: int | None = Field(default=None, ge=1, le=12)
    complaint_priority: int = Field(default=9, ge=1, le=9, description="1 = handled first")

    _roles = field_validator("revisit_roles")(lambda roles: [known_role(r) for r in roles])

    @model_validator(mode="after")
    def revisit_has_roles(self) -> Self:
        if self.revisit_every_months and not self.revisit_roles:
            raise ValueError("设置了回访周期就要指定回访人 revisit_roles / who revisits?")
        return self


class Treatment(Section):
    cells: list[TreatmentCell] = Field(min_length=1)


class GradingPolicy(Section):
    """客户分级 (GRD-1…GRD-6)."""

    review_day: int = Field(default=1, ge=1, le=28, description="day of those months")
    period_months: int = Field(
        default=12, ge=1, le=36, description="figures cover this many months up to the review"
    )
    volume_unit: str = Field(default="吨", description="the unit volume criteria count (s000)")
    new_customer_months: int = Field(
        default=12, ge=0, le=60, description="GRD-3 s004: lowest grade in the first year"
    )
    first_evaluation_months: int = Field(
        default=6, ge=0, le=60, description="GRD-3 s003-8: first evaluation after 6 months"
    )
    review_months: list[int] = Field(
        default=[1, 7], min_length=1, description="GRD-6: months a scheduled review runs"
    )
    score: Scorecard | None = None
    tier: RuledAxis | None = None
    size_class: RuledAxis | None = None
    # GRD-1 behaviour: how often and how much the customer buys (complaints join when the
    # service module records them).
    behaviour: RuledAxis | None = None
    attestations: list[AttestationRule] = []
    event_downgrade: EventDowngrade | None = None
    admission: Admission | None = None
    blacklist: Blacklist = Blacklist()
    treatment: Treatment | None = None

    @field_validator("review_months")
    @classmethod
    def months(cls, months: list[int]) -> list[int]:
        if any(m < 1 or m > 12 for m in months):
            raise ValueError("review_months 取 1–12 / months are 1–12")
        return sorted(set(months))

    # The levels' own definitions first: a problem there is the one to fix first.
    @model_validator(mode="after")
    def attestations_declared(self) -> Self:
        declared = {a.key for a in self.attestations}
        for axis in (getattr(self, name) for name in RULED_AXES):
            for level in axis.levels if axis else []:
                for key in _attestation_keys(level.criteria):
                    if key not in declared:
                        raise ValueError(
                            f"{level.key}: 认定项 {key!r} 未在 [[grading.attestations]] 中声明 "
                            f"/ attestation {key!r} is not declared"
                        )
        return self

    @model_validator(mode="after")
    def treatment_levels_exist(self) -> Self:
        if self.treatment is None:
            return self
        known = {
            "grade": [g.key for g in self.score.grades] if self.score else [],
            "tier": [lv.key for lv in self.tier.levels] if self.tier else [],
            "size_class": [lv.key for lv in self.size_class.levels] if self.size_class else [],
        }
        for cell in self.treatment.cells:
            for axis, value in cell.when.items():
                if value not in known[axis]:
                    raise ValueError(
                        f"treatment「{cell.label}」: {axis} = {value!r} 不是已配置的级别 "
                        f"/ not a level of {axis}; 可选 one of {known[axis]}。重新定义了级别时,"
                        "请同时重写 [[grading.treatment.cells]],或写 treatment = {} 不用待遇矩阵"
                        " / restate the matrix for your levels, or set treatment = {}"
                    )
        return self

    @model_validator(mode="after")
    def event_levels_exist(self) -> Self:
        rule = self.event_downgrade
        if rule is None:
            return self
        if rule.axis == "tier":
            known = [level.key for level in self.tier.levels] if self.tier else []
        else:
            known = [grade.key for grade in self.score.grades] if self.score else []
        unknown = [level for level in rule.levels if level not in known]
        if unknown:
            raise ValueError(
                f"event_downgrade.levels: {unknown} 不是 {rule.axis} 的级别 "
                f"/ not levels of {rule.axis}; 可选 one of {known}"
            )
        return self


def _attestation_keys(criteria: list[Criterion]) -> list[str]:
    keys = []
    for criterion in criteria:
        if criterion.attestation:
            keys.append(criterion.attestation)
        keys += _attestation_keys(criterion.any) + _attestation_keys(criterion.all)
    return keys
