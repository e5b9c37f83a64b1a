"""ANA-1…ANA-4 on a ledger whose answers are computed by hand, each report as every
persona of the scope matrix (their own, their departments', everyone's figures)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import Company
from tests.factories import CustomerFactory, trade
from zhike.analytics import rollup
from zhike.analytics.errors import AnalyticsError
from zhike.analytics.selectors import run_report
from zhike.grading.models import Review, ReviewLine, Standing
from zhike.policy.loader import load_policy

TODAY = date(2026, 12, 15)
GRADED = load_policy("manufacturer")  # grades A/B/C by score
TIERED = load_policy("general")  # value tiers only


@pytest.fixture
def ledger(company: Company) -> Company:
    """A (alice, sales1, grade A, 浙江省): 2026-03 面粉 1000 + 大米 500; 2025-03 面粉 800.
    B (bob, sales2, grade B, 江苏省): 2026-05 面粉 700.
    E (carol, east, no grade, no province): 2026-11 食用油 300.
    P (the pool): 2026-02 大米 99 — nobody's but the company's."""
    c = company.customers
    for key, province in (("A", "浙江省"), ("B", "江苏省")):
        c[key].province = province
        c[key].save()
    Standing.objects.create(customer=c["A"], grade="A", since=timezone.now())
    Standing.objects.create(customer=c["B"], grade="B", since=timezone.now())
    trade(c["A"], on=date(2026, 3, 5), amount=1000, category="面粉")
    trade(c["A"], on=date(2026, 3, 9), amount=500, category="大米", payment="open")
    trade(c["A"], on=date(2025, 3, 9), amount=800, category="面粉")
    trade(c["B"], on=date(2026, 5, 2), amount=700, category="面粉", payment="open")
    trade(c["E"], on=date(2026, 11, 20), amount=300, category="食用油")
    trade(c["P"], on=date(2026, 2, 1), amount=99, category="大米")
    rollup.refresh(now=timezone.now())
    return company


def report(company: Company, persona: str, key: str, policy=GRADED, **params):  # type: ignore[no-untyped-def]
    _report, _filters, result = run_report(
        company.users[persona],
        key,
        {k: str(v) for k, v in params.items()},
        policy=policy,
        today=TODAY,
    )
    return result


def column(result, index: int = 1) -> dict:  # type: ignore[no-untyped-def]
    return {row[0]: row[index] for row in result.rows}


def test_ana_1_structure_by_grade_share_and_the_same_months_last_year(ledger: Company) -> None:
    result = report(ledger, "gm", "structure", start="2026-01", end="2026-12", by="grade")
    amounts = column(result)
    assert amounts == {
        "重要客户": Decimal(1500),
        "较重要客户": Decimal(700),
        "未评级": Decimal(399),  # E and the pool customer
        "合计": Decimal(2599),
    }
    shares = column(result, 2)
    assert shares["重要客户"] == Decimal("57.7")  # 1500 / 2599
    assert column(result, 3)["重要客户"] == Decimal(800)  # 2025-03
    assert column(result, 4)["重要客户"] == Decimal("87.5")  # (1500 - 800) / 800
    assert "manufacturer" in " ".join(result.notes)  # names the policy version of the grades
    assert result.chart.kind == "pie"


VISIBLE_TOTAL = {
    "alice": 1500,  # own: A
    "bob": 700,
    "sup": 1500,  # sales1 department: A
    "mgr": 2500,  # marketing and below: A, B, E
    "office": 300,  # east: E
    "gm": 2599,  # everyone's, the pool's too
    "fin": 2599,
    "tech": 0,
}


@pytest.mark.parametrize("persona", sorted(VISIBLE_TOTAL))
@pytest.mark.parametrize("by", ["grade", "category", "province", "owner", "department"])
def test_ana_1_structure_scope_matrix(ledger: Company, persona: str, by: str) -> None:
    result = report(ledger, persona, "structure", start="2026-01", end="2026-12", by=by)
    assert column(result)["合计"] == Decimal(VISIBLE_TOTAL[persona])


def test_ana_1_by_category_region_and_a_cross_of_filters(ledger: Company) -> None:
    by_category = column(report(ledger, "gm", "structure", by="category"))
    assert by_category == {"面粉": 1700, "大米": 599, "食用油": 300, "合计": 2599}
    by_region = column(report(ledger, "mgr", "structure", by="province"))
    assert by_region == {"浙江省": 1500, "江苏省": 700, "未填写": 300, "合计": 2500}
    # grade filter with a province breakdown: no cube holds both, the customer months do
    crossed = column(report(ledger, "gm", "structure", by="province", grade="A"))
    assert crossed == {"浙江省": 1500, "合计": 1500}
    # a category filter with a grade breakdown, from the cube
    flour = column(report(ledger, "gm", "structure", by="grade", category="面粉"))
    assert flour == {"重要客户": 1000, "较重要客户": 700, "合计": 1700}


def test_ana_1_trend_by_quarter_beside_last_year(ledger: Company) -> None:
    result = report(ledger, "gm", "trend", start="2026-01", end="2026-12", grain="quarter")
    assert result.columns[1:] == ["本期", "去年同期"]
    rows = {row[0]: (row[1], row[2]) for row in result.rows}
    assert rows == {
        "2026 Q1": (Decimal(1599), Decimal(800)),
        "2026 Q2": (Decimal(700), Decimal(0)),
        "2026 Q3": (Decimal(0), Decimal(0)),
        "2026 Q4": (Decimal(300), Decimal(0)),
    }
    by_grade = report(ledger, "alice", "trend", start="2026-01", end="2026-06", by="grade")
    assert [row[1] for row in by_grade.rows] == [0, 0, 1500, 0, 0, 0]


def test_ana_3_ranking_with_targets(ledger: Company) -> None:
    from zhike.analytics.services import target_set

    target_set(
        by=ledger.users["mgr"],
        owner_id=ledger.users["alice"].pk,
        month=date(2026, 3, 1),
        amount=Decimal(2000),
    )
    result = report(ledger, "mgr", "ranking", start="2026-03", end="2026-03")
    alice = str(ledger.users["alice"])
    row = next(r for r in result.rows if r[0] == alice)
    # contract 1500, collected 1000 (the 面粉 invoice paid on time, in April: not March!)
    assert row[1] == 1500 and row[4] == 2000 and row[5] == Decimal("75.0")
    assert row[3] == 500  # open receivables as at March: the 大米 invoice


def _review(company: Company, lines: list[tuple[str, str, str, str, int]]) -> Review:
    review = Review.objects.create(
        title="2026 下半年评审",
        trigger="scheduled",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 12, 31),
        state=Review.State.APPLIED,
        policy_version="manufacturer-1",
    )
    for key, before, proposed, adjusted, amount in lines:
        ReviewLine.objects.create(
            review=review,
            customer=company.customers[key],
            previous_grade=before,
            grade=proposed,
            adjusted_grade=adjusted,
            contract_amount=amount,
        )
    return review


def test_ana_2_grade_migration_matrix_counts_amounts_and_who_moved(company: Company) -> None:
    # A: B → A (adjusted by a reviewer from B), B: A → C, E: first graded C, P: C → C
    _review(
        company,
        [
            ("A", "B", "B", "A", 900),
            ("B", "A", "C", "", 100),
            ("E", "", "C", "", 50),
            ("P", "C", "C", "", 10),
        ],
    )
    result = report(company, "gm", "migration")
    header = result.columns[1:-2]
    assert header == ["重要客户", "较重要客户", "一般性客户", "未评级"]
    matrix = {row[0]: row[1:5] for row in result.rows if not row[0].startswith(("↑", "↓"))}
    assert matrix["较重要客户"] == [1, 0, 0, 0]  # B → A
    assert matrix["重要客户"] == [0, 0, 1, 0]  # A → C
    assert matrix["一般性客户"] == [0, 0, 1, 0]  # C → C
    assert matrix["未评级"] == [0, 0, 1, 0]  # first graded C
    assert "升级 1 位,降级 1 位,不变 1 位,首次评级 1 位" in result.notes[1]
    moves = [row[0] for row in result.rows if row[0].startswith(("↑", "↓"))]
    assert moves == [
        f"↑ {company.customers['A'].name}:较重要客户 → 重要客户",
        f"↓ {company.customers['B'].name}:重要客户 → 一般性客户",
    ]
    # scoped: alice sees her customer's move only
    mine = report(company, "alice", "migration")
    assert sum(row[-2] for row in mine.rows if not row[0].startswith(("↑", "↓"))) == 1  # 合计


def test_ana_2_funnel_from_status_changes(company: Company) -> None:
    a, b = company.customers["A"], company.customers["B"]
    for customer, path in ((a, ["intent", "deal"]), (b, ["intent", "lost"])):
        for status in path:
            customer.status = status
            customer.save()
    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    _r, _f, result = run_report(
        company.users["mgr"], "funnel", {"start": month, "end": month}, policy=GRADED, today=today
    )
    steps = {row[0]: row[1] for row in result.rows}
    assert steps["新增客户"] == 3  # A, B, E registered this month in mgr's scope
    assert steps["成为意向客户"] == 2 and steps["成交"] == 1
    assert steps["潜在客户 → 意向客户"] == 2
    assert steps["意向客户 → 流失客户"] == 1
    assert column(result, 2)["成交"] == Decimal("33.3")  # 1 of 3 registered
    _r, _f, alice = run_report(
        company.users["alice"], "funnel", {"start": month, "end": month}, policy=GRADED, today=today
    )
    assert {row[0]: row[1] for row in alice.rows}["成为意向客户"] == 1


def test_ana_4_pareto_few_customers_make_80_percent(company: Company) -> None:
    owner = company.users["alice"]
    amounts = [50, 20, 10, 5, 5, 4, 3, 1, 1, 1]
    for amount in amounts:
        trade(CustomerFactory(owner=owner), on=date(2026, 6, 1), amount=amount * 100, payment=None)
    rollup.refresh(now=timezone.now())
    result = report(company, "alice", "pareto", start="2026-01", end="2026-12")
    assert "3 位客户(占有成交客户的 30.0%)贡献了 80% 的合同金额" in result.notes[0]
    assert [row[2] for row in result.rows[:3]] == [5000, 2000, 1000]
    assert result.rows[2][4] == Decimal("80.0")  # cumulative share
    assert result.chart.series[0].data[-1] == 100.0
    other = report(company, "bob", "pareto", start="2026-01", end="2026-12")
    assert other.rows == []  # none of it is bob's


def test_ana_4_rfm_segments_and_the_churn_risk_flag(company: Company) -> None:
    owner = company.users["alice"]
    monthly = CustomerFactory(owner=owner, name="按月订货后停了的客户")
    for month in (1, 2, 3, 4):  # every month until April, then nothing for 8 months
        trade(monthly, on=date(2026, month, 10), amount=1000, payment=None)
    steady = CustomerFactory(owner=owner, name="一直在订货的客户")
    for month in (10, 11, 12):
        trade(steady, on=date(2026, month, 3), amount=500, payment=None)
    rollup.refresh(now=timezone.now())
    result = report(company, "alice", "rfm", end="2026-12")
    risky = [row for row in result.rows if str(row[0]).startswith("流失风险")]
    assert [row[0] for row in risky] == ["流失风险:按月订货后停了的客户"]
    assert risky[0][5] == 8  # months without an order
    segments = {row[0]: row[1] for row in result.rows if not str(row[0]).startswith("流失风险")}
    # recency: steady 0 months (avg 4) → high; monthly 8 → low. frequency 4 vs 3 (avg 3.5),
    # money 4000 vs 1500 (avg 2750)
    assert segments == {"一般发展客户": 1, "重要保持客户": 1}
    # the policy decides: with a factor of 10, eight quiet months after monthly orders are
    # not yet a risk
    patient = GRADED.model_copy(
        update={"analytics": GRADED.analytics.model_copy(update={"churn_factor": 10.0})}
    )
    patient_result = report(company, "alice", "rfm", policy=patient, end="2026-12")
    assert not [row for row in patient_result.rows if str(row[0]).startswith("流失风险")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13"}, "start"),
        ({"end": "26-01"}, "end"),
        ({"start": "2010-01", "end": "2026-12"}, "start"),  # more than ten years
        ({"start": "2026-06", "end": "2026-01"}, "start"),
        ({"grain": "week"}, "grain"),
        ({"by": "colour"}, "by"),
        ({"grade": "Z"}, "grade"),
        ({"department": "abc"}, "department"),
        ({"owner": "99999999"}, "owner"),
    ],
)
def test_ana_3_bad_filters_are_refused_with_their_field(
    company: Company, params: dict, field: str
) -> None:
    with pytest.raises(AnalyticsError) as refused:
        report(company, "gm", "structure", **params)
    assert refused.value.field == field


def test_ana_3_a_department_or_person_outside_the_scope_is_refused(ledger: Company) -> None:
    with pytest.raises(AnalyticsError) as refused:
        report(ledger, "alice", "structure", department=ledger.departments["sales2"].pk)
    assert refused.value.field == "department"
    with pytest.raises(AnalyticsError):
        report(ledger, "alice", "structure", owner=ledger.users["bob"].pk)
    # within the scope, a department narrows: mgr looking at sales2 sees B only
    narrowed = report(ledger, "mgr", "structure", department=ledger.departments["sales2"].pk)
    assert column(narrowed)["合计"] == 700


def test_ana_3_tier_policies_report_by_tier(company: Company) -> None:
    c = company.customers
    Standing.objects.create(customer=c["A"], tier="core", since=timezone.now())
    trade(c["A"], on=date(2026, 3, 5), amount=1000)
    rollup.refresh(now=timezone.now())
    result = report(company, "gm", "structure", policy=TIERED, by="grade")
    assert column(result)["核心客户"] == 1000
    assert result.links[0] == "/customers/?tier=core"
