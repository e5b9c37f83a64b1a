"""SRV-5: complaint deadlines on China's real working calendar (National Day 2026: 10-01 to
10-07 off, Saturday 10-10 a make-up workday), pauses in working time only, warnings and
escalation each once (issue 15, "Done when")."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zhike.policy.loader import load_policy
from zhike.servicedesk import services
from zhike.servicedesk.models import Complaint, Target
from zhike.servicedesk.sweep import sweep_targets
from zhike.workflow.models import CalendarOverride, Notice

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("general")
TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def register(company: Company, received: datetime, **extra) -> Complaint:  # type: ignore[no-untyped-def]
    return services.complaint_register(
        by=company.users["cs"],
        channel="hotline",
        complainant="王女士",
        phone="13900003333",
        content="维修后车辆仍有异响",
        demand="criticism",
        policy=POLICY,
        now=received,
        received_at=received,
        **extra,
    )


def due(complaint: Complaint, kind: str) -> datetime:
    return Target.objects.get(complaint=complaint, kind=kind).due_at.astimezone(TZ)


def assigned(company: Company, complaint: Complaint, now: datetime) -> Complaint:
    crm = company.users["crm"]
    services.complaint_accept(
        by=crm, complaint_id=complaint.pk, category="service_quality", policy=POLICY, now=now
    )
    services.complaint_assign(
        by=crm, complaint_id=complaint.pk, handler_id=company.users["cs"].pk, policy=POLICY, now=now
    )
    return complaint


def test_srv_5_received_late_on_the_last_working_day_before_national_day(company: Company) -> None:
    complaint = register(company, at(9, 30, 17, 30))  # Wednesday, the holiday starts Thursday
    # One working day: the first working day after the seven days off, same clock time.
    assert due(complaint, "solution") == at(10, 8, 17, 30)
    # Seven calendar days: the holiday does not stop the closure clock (s003-19).
    assert due(complaint, "closure") == at(10, 7, 17, 30)


def test_srv_5_a_make_up_saturday_is_a_working_day(company: Company) -> None:
    complaint = register(company, at(10, 9, 17))  # Friday; Saturday 10-10 is 调休 work
    assert due(complaint, "solution") == at(10, 10, 17)


def test_srv_5_a_pause_over_a_weekend_adds_no_working_time(company: Company) -> None:
    complaint = assigned(company, register(company, at(10, 16, 17)), at(10, 16, 17))  # Friday
    before = due(complaint, "solution")
    assert before == at(10, 19, 17)
    cs = company.users["cs"]
    services.complaint_pause(
        by=cs,
        complaint_id=complaint.pk,
        reason="等客户提供照片",
        policy=POLICY,
        now=at(10, 16, 18, 30),
    )
    complaint.refresh_from_db()
    assert complaint.paused is True
    assert not Target.objects.filter(complaint=complaint, next_check_at__isnull=False).exists()
    services.complaint_resume(
        by=cs, complaint_id=complaint.pk, policy=POLICY, now=at(10, 19, 8, 30)
    )
    assert due(complaint, "solution") == before


def test_srv_5_a_pause_over_the_holiday_adds_no_working_time(company: Company) -> None:
    complaint = assigned(company, register(company, at(9, 30, 17, 30)), at(9, 30, 17, 30))
    cs = company.users["cs"]
    services.complaint_pause(
        by=cs, complaint_id=complaint.pk, reason="等待客户", policy=POLICY, now=at(9, 30, 18)
    )
    services.complaint_resume(by=cs, complaint_id=complaint.pk, policy=POLICY, now=at(10, 8, 9))
    assert due(complaint, "solution") == at(10, 8, 17, 30)


def test_srv_5_a_pause_in_working_hours_moves_the_deadline_by_that_working_time(
    company: Company,
) -> None:
    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))  # Tuesday
    assert due(complaint, "solution") == at(11, 18, 9)
    cs = company.users["cs"]
    # 10:00 → 14:00 is three working hours (12:00–13:00 is lunch, not working time).
    services.complaint_pause(
        by=cs, complaint_id=complaint.pk, reason="等待客户回电", policy=POLICY, now=at(11, 17, 10)
    )
    services.complaint_resume(by=cs, complaint_id=complaint.pk, policy=POLICY, now=at(11, 17, 14))
    assert due(complaint, "solution") == at(11, 18, 12)  # 09:00 + 3 working hours
    # Pausing twice is refused, and resuming a running clock too: nothing counted twice.
    # One more paused hour (15:00–16:00) moves 12:00 past lunch to 14:00.
    services.complaint_pause(
        by=cs, complaint_id=complaint.pk, reason="再次等待", policy=POLICY, now=at(11, 17, 15)
    )
    import pytest

    from zhike.servicedesk.errors import ServiceError

    with pytest.raises(ServiceError):
        services.complaint_pause(
            by=cs, complaint_id=complaint.pk, reason="又一次", policy=POLICY, now=at(11, 17, 15, 30)
        )
    services.complaint_resume(by=cs, complaint_id=complaint.pk, policy=POLICY, now=at(11, 17, 16))
    with pytest.raises(ServiceError):
        services.complaint_resume(
            by=cs, complaint_id=complaint.pk, policy=POLICY, now=at(11, 17, 16)
        )
    assert due(complaint, "solution") == at(11, 18, 14)


def test_srv_5_the_handling_departments_calendar_recomputes_on_acceptance(company: Company) -> None:
    CalendarOverride.objects.create(
        day=at(11, 18, 0).date(),
        is_workday=False,
        name="技术部盘点",
        department=company.departments["tech"],
    )
    complaint = register(company, at(11, 17, 9))
    assert due(complaint, "solution") == at(11, 18, 9)
    services.complaint_accept(
        by=company.users["crm"],
        complaint_id=complaint.pk,
        category="product_quality",
        policy=POLICY,
        now=at(11, 17, 10),
    )
    assert due(complaint, "solution") == at(11, 19, 9)  # tech's day off does not count
    assert complaint.clock.filter(kind="target_changed").count() == 1


def test_srv_5_a_warning_then_one_escalation_however_often_the_sweep_runs(company: Company) -> None:
    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    target = Target.objects.get(complaint=complaint, kind="solution")
    # 80 % of the 8 working hours: 6.4 h after 09:00 with lunch → 16:24.
    assert target.warn_at.astimezone(TZ) == at(11, 17, 16, 24)  # type: ignore[union-attr]

    assert sweep_targets(policy=POLICY, now=at(11, 17, 16)).warned == 0
    first = sweep_targets(policy=POLICY, now=at(11, 17, 16, 30))
    again = sweep_targets(policy=POLICY, now=at(11, 17, 16, 40))
    assert (first.warned, again.warned) == (1, 0)
    warnings = Notice.objects.filter(kind="complaint.warning")
    assert [n.recipient.username for n in warnings] == ["cs"]

    for minutes in (1, 5, 60, 600):
        sweep_targets(policy=POLICY, now=at(11, 18, 9) + timedelta(minutes=minutes))
    target.refresh_from_db()
    assert target.breached_at == at(11, 18, 9, 1)
    assert target.breached_handler == company.users["cs"]  # counts against the handler
    breached = Notice.objects.filter(kind="complaint.breached")
    assert sorted(n.recipient.username for n in breached) == ["crm", "cs", "gm"]


def test_srv_5_a_met_target_is_not_escalated(company: Company) -> None:
    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    cs = company.users["cs"]
    services.complaint_investigate(
        by=cs, complaint_id=complaint.pk, cause="配件缺货", policy=POLICY, now=at(11, 17, 11)
    )
    services.complaint_propose(
        by=cs, complaint_id=complaint.pk, solution="调货更换", policy=POLICY, now=at(11, 17, 15)
    )
    result = sweep_targets(policy=POLICY, now=at(11, 18, 10))
    assert (result.warned, result.breached) == (0, 0)
    assert Target.objects.get(complaint=complaint, kind="solution").met_at == at(11, 17, 15)


def test_srv_5_a_paused_complaint_is_not_escalated(company: Company) -> None:
    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    services.complaint_pause(
        by=company.users["cs"],
        complaint_id=complaint.pk,
        reason="客户出差",
        policy=POLICY,
        now=at(11, 17, 9, 30),
    )
    result = sweep_targets(policy=POLICY, now=at(11, 30, 9))
    assert (result.warned, result.breached) == (0, 0)


also_in_a_real_transaction(
    globals(),
    test_srv_5_a_warning_then_one_escalation_however_often_the_sweep_runs,
    test_srv_5_a_pause_over_a_weekend_adds_no_working_time,
)


def test_srv_5_a_new_policy_moves_the_deadlines_of_open_complaints(company: Company) -> None:
    from zhike.policy.loader import parse_policy

    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    assert due(complaint, "solution") == at(11, 18, 9)
    two_days = parse_policy(
        '[policy]\nname = "t"\nversion = "t-2"\neffective_date = 2026-01-01\n'
        'extends = "general"\n[service]\nsolution_within = { working_days = 2 }\n',
        "test",
    )
    sweep_targets(policy=two_days, now=at(11, 17, 10))
    assert due(complaint, "solution") == at(11, 19, 9)
    changed = complaint.clock.filter(kind="target_changed", note="policy/calendar")
    assert changed.count() == 1
    sweep_targets(policy=two_days, now=at(11, 17, 11))  # recomputed once
    assert changed.count() == 1


def test_srv_5_a_new_company_day_off_moves_the_deadlines_of_open_complaints(
    company: Company,
) -> None:
    complaint = assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    assert due(complaint, "solution") == at(11, 18, 9)
    CalendarOverride.objects.create(day=at(11, 18, 0).date(), is_workday=False, name="停电检修")
    sweep_targets(policy=POLICY, now=at(11, 17, 10))
    assert due(complaint, "solution") == at(11, 19, 9)


def test_srv_5_the_sweeps_notices_read_in_the_readers_language(company: Company) -> None:
    from django.utils import translation

    assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    sweep_targets(policy=POLICY, now=at(11, 18, 10))
    notice = Notice.objects.filter(kind="complaint.breached", recipient=company.users["cs"]).first()
    assert notice is not None and notice.title.endswith("已超期")
    with translation.override("en"):
        assert (
            notice.display_title.endswith("is overdue")
            and "Propose a solution" in notice.display_title
        )


def test_srv_5_breaches_routed_to_e_mail_get_their_deliveries(company: Company) -> None:
    from zhike.policy.loader import parse_policy
    from zhike.workflow.models import Delivery

    routed = parse_policy(
        '[policy]\nname = "t"\nversion = "general-1"\neffective_date = 2026-01-01\n'
        'extends = "general"\n[notifications.routes]\n"complaint.breached" = ["inapp", "email"]\n',
        "test",
    )
    company.users["cs"].email = "cs@example.com"
    company.users["cs"].save(update_fields=["email"])
    assigned(company, register(company, at(11, 17, 9)), at(11, 17, 9))
    sweep_targets(policy=routed, now=at(11, 18, 10))
    assert Delivery.objects.filter(channel="email", notice__recipient=company.users["cs"]).exists()


def test_srv_5_every_target_kind_has_a_name_for_its_notices() -> None:
    from zhike.servicedesk.models import TargetKind
    from zhike.servicedesk.sweep import WHAT

    assert set(WHAT) == set(TargetKind.values)
    assert all(WHAT[k] == str(TargetKind(k).label) for k in TargetKind.values)
