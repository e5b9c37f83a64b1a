"""GRD-10: the treatment matrix (s004 分类客户享有待遇) — priority, revisit deadlines."""

from datetime import date

import pytest
from django.utils import timezone

from zhike.engagement.services import follow_up_record
from zhike.grading.models import Standing
from zhike.grading.treatment import (
    refresh_priorities,
    revisit_period,
    schedule_revisits,
    treatment_for,
)
from zhike.policy.loader import load_policy
from zhike.workflow.models import Deadline, DeadlineState

from .conftest import Company


@pytest.fixture(scope="module")
def manufacturer():  # type: ignore[no-untyped-def]
    return load_policy("manufacturer")


def stand(customer, size_class: str, grade: str) -> Standing:  # type: ignore[no-untyped-def]
    return Standing.objects.create(
        customer=customer, size_class=size_class, grade=grade, since=timezone.now()
    )


def test_grd_10_matrix_cells_and_priorities(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    big_a = stand(company.customers["A"], "key_account", "A")
    small_a = stand(company.customers["B"], "regular", "A")
    big_c = stand(company.customers["E"], "key_account", "C")
    cell = treatment_for(big_a, manufacturer)
    assert cell is not None
    assert (cell.priority, cell.price_level, cell.revisit_every_months) == (1, "最优价格", 3)
    assert cell.revisit_roles == ["vice_president", "sales_manager"]
    assert treatment_for(small_a, manufacturer).priority == 3  # type: ignore[union-attr]
    refresh_priorities(Standing.objects.all(), manufacturer)
    order = list(Standing.objects.order_by("priority").values_list("customer_id", flat=True))
    assert order == [big_a.customer_id, small_a.customer_id, big_c.customer_id]


def test_grd_10_revisit_deadlines_each_period(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    stand(customer, "key_account", "A")
    stand(company.customers["B"], "regular", "C")  # every 6 months, by the office director
    today = date(2026, 11, 23)
    created = schedule_revisits(policy=manufacturer, today=today)
    quarterly = Deadline.objects.filter(object_id=customer.pk, rule="revisit")
    # 主管副总经理、业务部经理每季度回访: one each, due at the quarter's end.
    assert set(quarterly.values_list("assignee__username", flat=True)) == {"vp", "mgr"}
    assert {d.due_at.astimezone().date() for d in quarterly} == {date(2026, 12, 31)}
    assert created == 3
    assert schedule_revisits(policy=manufacturer, today=today) == 0  # idempotent
    # The manager's visit closes the manager's revisit, not the vice president's.
    follow_up_record(
        by=company.users["mgr"],
        customer_id=customer.pk,
        **{"kind": "visit", "content": "季度回访,了解明年采购计划"},
        now=timezone.now(),
        policy=manufacturer,
    )
    states = dict(quarterly.values_list("assignee__username", "state"))
    assert states == {"mgr": DeadlineState.DONE, "vp": DeadlineState.OPEN}


def test_grd_10_revisit_periods() -> None:
    assert revisit_period(date(2026, 11, 23), 3) == (date(2026, 10, 1), date(2026, 12, 31))
    assert revisit_period(date(2026, 2, 1), 6) == (date(2026, 1, 1), date(2026, 6, 30))
    assert revisit_period(date(2026, 7, 9), 12) == (date(2026, 1, 1), date(2026, 12, 31))
    assert revisit_period(date(2026, 7, 9), 1) == (date(2026, 7, 1), date(2026, 7, 31))


def test_grd_10_report_deadlines_per_salesperson_and_cell(company: Company, manufacturer) -> None:  # type: ignore[no-untyped-def]
    from zhike.grading.treatment import schedule_reports

    stand(company.customers["A"], "key_account", "A")  # Alice's: monthly report
    stand(company.customers["B"], "key_account", "A")  # Bob's
    stand(company.customers["E"], "regular", "C")  # Carol's: every six months
    created = schedule_reports(policy=manufacturer, today=date(2026, 11, 23))
    reports = {d.assignee.username: d for d in Deadline.objects.filter(rule="grading_report")}
    assert created == 3 and set(reports) == {"alice", "bob", "carol"}
    assert reports["alice"].title == "定期汇报(大客户 A 级,每 1 个月):1 位客户"
    assert reports["alice"].due_at.astimezone().date() == date(2026, 11, 30)
    assert reports["carol"].due_at.astimezone().date() == date(2026, 12, 31)
    assert schedule_reports(policy=manufacturer, today=date(2026, 11, 24)) == 0  # idempotent


def test_org_2_treatment_matrix_counts_only_visible_customers(company: Company, settings) -> None:  # type: ignore[no-untyped-def]
    from zhike.policy.loader import active_policy

    settings.ZHIKE_POLICY = "manufacturer"
    active_policy.cache_clear()
    try:
        for key in ("A", "B", "E"):
            stand(company.customers[key], "key_account", "A")
        refresh_priorities(Standing.objects.all(), load_policy("manufacturer"))
        counts = {
            persona: company.client(persona).get("/grading/treatment/").context["rows"][0]
            for persona in ("alice", "gm")
        }
        assert counts["alice"]["customers"] == 1  # her own
        assert counts["gm"]["customers"] == 3
    finally:
        active_policy.cache_clear()
