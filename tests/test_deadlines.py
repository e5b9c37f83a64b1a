"""Deadlines on working days, escalation exactly once per level (SRV-5, NTF-1)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from zhike.policy.loader import parse_policy
from zhike.policy.schema import Duration
from zhike.workflow.deadlines import deadline_open, deadlines_close, sweep_overdue
from zhike.workflow.models import CalendarOverride, Deadline, DeadlineState, Notice

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import Company, build_company

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = parse_policy("""
[policy]
name = "t"
version = "t-7"
effective_date = 2026-01-01
[escalation.default]
roles = ["supervisor", "sales_manager", "general_manager"]
interval = { working_days = 1 }
""")


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def open_for(
    company: Company, persona: str = "alice", start: datetime | None = None, days: int = 2
) -> Deadline:
    return deadline_open(
        title="拜访报告",
        assignee=company.users[persona],
        start=start or at(2026, 11, 20),
        within=Duration(working_days=days),
        policy=POLICY,
        rule="visit_report",
        subject=company.customers["A"],
        link="/customers/1/",
    )


def test_srv_5_deadline_counts_working_days_and_records_the_policy(company: Company) -> None:
    deadline = open_for(company, start=at(2025, 9, 30), days=2)
    assert deadline.due_at == at(2025, 10, 10)  # the National Day break does not count
    assert deadline.policy_version == "t-7"
    assert not deadline.beyond_calendar_data


def test_srv_5_company_override_moves_the_deadline(company: Company) -> None:
    CalendarOverride.objects.create(day=at(2026, 11, 23).date(), is_workday=False, name="厂休")
    assert open_for(company, start=at(2026, 11, 20), days=1).due_at == at(2026, 11, 24)


def test_srv_5_department_calendar_applies_to_its_members_only(company: Company) -> None:
    CalendarOverride.objects.create(
        day=at(2026, 11, 23).date(), is_workday=False, department=company.departments["sales2"]
    )
    assert open_for(company, "alice", at(2026, 11, 20), 1).due_at == at(2026, 11, 23)
    assert open_for(company, "bob", at(2026, 11, 20), 1).due_at == at(2026, 11, 24)


def test_srv_5_deadline_beyond_the_holiday_data_carries_a_warning(company: Company) -> None:
    deadline = open_for(company, start=at(2026, 12, 30), days=5)
    assert deadline.beyond_calendar_data


def test_srv_5_overdue_escalates_one_level_per_interval_then_stops(company: Company) -> None:
    deadline = open_for(company, start=at(2026, 11, 16), days=1)  # due Tue 17th 10:00
    first = sweep_overdue(policy=POLICY, now=at(2026, 11, 17, 11))
    assert first.escalated == 1
    deadline.refresh_from_db()
    assert deadline.escalation_level == 1 and deadline.overdue_since == at(2026, 11, 17, 11)
    recipients = set(Notice.objects.values_list("recipient__username", "kind"))
    assert recipients == {("alice", "deadline.overdue"), ("sup", "deadline.escalated")}
    # Same moment again: nothing new. One working day later: the sales manager.
    assert sweep_overdue(policy=POLICY, now=at(2026, 11, 17, 12)).escalated == 0
    assert sweep_overdue(policy=POLICY, now=at(2026, 11, 18, 12)).by_level == {2: 1}
    assert Notice.objects.filter(recipient=company.users["mgr"]).count() == 1
    assert sweep_overdue(policy=POLICY, now=at(2026, 11, 19, 12)).by_level == {3: 1}
    assert Notice.objects.filter(recipient=company.users["gm"]).count() == 1
    deadline.refresh_from_db()
    assert deadline.next_escalation_at is None  # end of the chain
    assert sweep_overdue(policy=POLICY, now=at(2026, 12, 30)).escalated == 0


def test_ntf_1_closing_the_work_closes_the_deadline(company: Company) -> None:
    deadline = open_for(company, start=at(2026, 11, 16), days=1)
    assert deadlines_close(subject=company.customers["A"], now=at(2026, 11, 16, 15)) == 1
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.DONE
    assert sweep_overdue(policy=POLICY, now=at(2026, 11, 30)).escalated == 0


def open_overdue_due_and_an_approval(company: Company, policy, *, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Alice's overdue item and her item due in 3 days; bob's development application,
    which waits for the supervisor."""
    from zhike.workflow.approvals import approval_submit

    open_for(company, start=now - timedelta(days=10), days=1)  # overdue
    open_for(company, start=now, days=3)  # due, not yet overdue
    approval_submit(
        kind="development_application",
        subject=company.customers["B"],
        title="开发申请",
        by=company.users["bob"],
        policy=policy,
        now=now,
    )


def test_ntf_1_inbox_api_lists_due_overdue_approvals_and_notices(
    company: Company, general_policy
) -> None:
    now = timezone.now()
    open_overdue_due_and_an_approval(company, general_policy, now=now)
    sup_inbox = company.api("sup").get("/api/v1/inbox").json()
    # sales2 has no supervisor of its own: the company's supervisor is asked.
    assert [a["title"] for a in sup_inbox["approvals"]] == ["开发申请"]
    assert sup_inbox["counts"]["approvals"] == 1
    alice = company.api("alice").get("/api/v1/inbox").json()
    assert alice["counts"]["overdue"] == 1 and alice["counts"]["due"] == 1
    assert alice["overdue"][0]["link"] == "/customers/1/"
    Notice.objects.create(recipient=company.users["alice"], kind="x", title="你好")
    notice_id = company.api("alice").get("/api/v1/inbox").json()["notices"][0]["id"]
    other = company.api("bob").post(f"/api/v1/inbox/notices/{notice_id}/read")
    assert other.status_code == 404  # not bob's notice
    assert company.api("alice").post(f"/api/v1/inbox/notices/{notice_id}/read").status_code == 200
    assert company.api("alice").get("/api/v1/inbox").json()["counts"]["unread"] == 0


def test_ntf_1_navigation_badges_count_overdue_unread_and_approvals_waiting(
    company: Company, general_policy
) -> None:
    from zhike.workflow.models import Delegation
    from zhike.workflow.selectors import Badges, navigation_badges

    now = timezone.now()
    open_overdue_due_and_an_approval(company, general_policy, now=now)
    Notice.objects.create(recipient=company.users["alice"], kind="x", title="未读")
    Notice.objects.create(recipient=company.users["alice"], kind="x", title="已读", read_at=now)
    assert navigation_badges(company.users["alice"], now=now) == Badges(inbox=2, approvals=0)
    assert navigation_badges(company.users["sup"], now=now).approvals == 1
    # The requester is not asked to approve its own request; a delegate is (ORG-3).
    assert navigation_badges(company.users["bob"], now=now).approvals == 0
    Delegation.objects.create(
        absent=company.users["sup"],
        delegate=company.users["cs"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    assert navigation_badges(company.users["cs"], now=now).approvals == 1
    assert navigation_badges(company.users["cs"], now=now + timedelta(days=2)).approvals == 0
    page = company.client("alice").get("/customers/").text
    assert '<span class="badge" title="逾期事项与未读通知">2</span>' in page


class ParallelEscalationTests(RealTransactionTestCase):
    def test_srv_5_two_sweeps_at_once_escalate_each_item_exactly_once(self) -> None:
        company = build_company()
        for _ in range(30):
            open_for(company, start=at(2026, 11, 16), days=1)
        now = at(2026, 11, 17, 11)
        results: list[int] = []

        errors = run_in_threads(
            4,
            lambda i: results.append(sweep_overdue(policy=POLICY, now=now, batch_size=7).escalated),
        )

        self.assertEqual(errors, [])
        self.assertEqual(sum(results), 30)
        self.assertEqual(set(Deadline.objects.values_list("escalation_level", flat=True)), {1})
        self.assertEqual(Notice.objects.filter(kind="deadline.overdue").count(), 30)
        self.assertEqual(Notice.objects.filter(kind="deadline.escalated").count(), 30)
        # And run again, sequentially: nothing more at the same moment.
        self.assertEqual(sweep_overdue(policy=POLICY, now=now).escalated, 0)


def test_srv_5_deadline_by_a_policy_rule_uses_its_allowance_and_chain(
    company: Company, general_policy
) -> None:
    from zhike.workflow.deadlines import deadline_open_by_rule

    deadline = deadline_open_by_rule(
        rule="data_update",
        assignee=company.users["alice"],
        start=at(2026, 11, 20),
        policy=general_policy,
        subject=company.customers["A"],
    )
    assert deadline.title == "资料更新"
    assert deadline.due_at == at(2026, 11, 27)  # 7 calendar days in the general preset
    assert deadline.escalation == "default" and deadline.policy_version == "general-1"


def test_srv_5_an_escalation_goes_up_the_chain_from_the_assignee_never_down(
    company: Company,
) -> None:
    """Issue 13 item 32: a sales manager's overdue item went first to the supervisor, who
    ranks below him."""
    managers = open_for(company, persona="mgr", start=at(2026, 11, 16), days=1)
    tops = open_for(company, persona="gm", start=at(2026, 11, 16), days=1)
    sweep_overdue(policy=POLICY, now=at(2026, 11, 17, 11))
    recipients = set(Notice.objects.values_list("recipient__username", "kind"))
    assert recipients == {
        ("mgr", "deadline.overdue"),
        ("gm", "deadline.escalated"),  # the manager's item: straight to the level above
        ("gm", "deadline.overdue"),  # the top of the chain is only told it is overdue
    }
    managers.refresh_from_db()
    tops.refresh_from_db()
    assert managers.next_escalation_at is None and tops.next_escalation_at is None
    assert sweep_overdue(policy=POLICY, now=at(2026, 12, 30)).escalated == 0
