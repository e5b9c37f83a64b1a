"""The complaint register and its workflow (SRV-1…SRV-4, SRV-10; issue 15)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from zhike.policy.loader import load_policy, parse_policy
from zhike.servicedesk import major, selectors, services
from zhike.servicedesk.errors import ComplaintNotFound, PermissionDenied, ServiceError
from zhike.servicedesk.models import Complaint, ComplaintEvent, Target
from zhike.servicedesk.transitions import Action, NotAllowed, State, actions_from, next_state
from zhike.workflow.approvals import ApprovalError, approval_act
from zhike.workflow.models import ApprovalRequest, Notice

from .base import also_in_a_real_transaction
from .conftest import Company
from .factories import UserFactory

POLICY = load_policy("general")
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)  # a Monday


def register(company: Company, *, by: str = "cs", **extra) -> Complaint:  # type: ignore[no-untyped-def]
    values = {
        "channel": "hotline",
        "complainant": "李先生",
        "phone": "13900001111",
        "content": "收到的货物外包装破损,里面两件产品有裂纹。",
        "demand": "exchange",
        "policy": POLICY,
        "now": NOW,
    }
    values.update(extra)
    return services.complaint_register(by=company.users[by] if by else None, **values)


def approve_all(company: Company, complaint: Complaint, *, at: datetime) -> None:
    request = ApprovalRequest.objects.get(kind="complaint_solution", object_id=complaint.pk)
    for step in request.steps.order_by("position"):
        approver = step.candidates.order_by("id").first()
        assert approver is not None
        approval_act(
            request_id=request.pk,
            by=approver,
            action="approve",
            comment="同意",
            policy=POLICY,
            now=at,
        )


# --- SRV-4: the table ----------------------------------------------------------------------


def test_srv_4_the_table_orders_the_workflow() -> None:
    state = State.REGISTERED
    for action in [
        "accept",
        "assign",
        "investigate",
        "propose",
        "approved",
        "notify",
        "survey",
        "close",
    ]:
        state = next_state(state, action)
    assert state == State.CLOSED
    assert next_state(State.REGISTERED, "dismiss") == State.CLOSED
    assert next_state(State.PROPOSED, "refused") == State.INVESTIGATED
    with pytest.raises(NotAllowed):
        next_state(State.REGISTERED, "close")
    with pytest.raises(NotAllowed):
        next_state(State.ASSIGNED, "notify")
    with pytest.raises(NotAllowed):
        next_state(State.ASSIGNED, "no-such-action")
    # The approval's outcomes are never buttons.
    assert Action.APPROVED not in actions_from(State.PROPOSED)
    assert actions_from(State.REGISTERED) == [Action.ACCEPT, Action.DISMISS]


# --- SRV-1: the register ---------------------------------------------------------------------


def test_srv_1_register_numbers_the_complaint_and_finds_the_customer_by_phone(
    company: Company,
) -> None:
    customer = company.customers["A"]
    complaint = register(company, phone=customer.phone, reference="订单 SO-2026-0012")

    assert complaint.number == f"TS20261116{complaint.pk:06d}"
    assert complaint.customer_id == customer.pk
    assert complaint.registered_by == company.users["cs"]
    assert complaint.state == State.REGISTERED
    assert complaint.major is False
    kinds = set(complaint.targets.values_list("kind", flat=True))
    assert kinds == {"solution", "closure"}
    assert list(complaint.events.values_list("action", flat=True)) == ["register"]


def test_srv_1_a_fragment_of_a_phone_finds_no_customer(company: Company) -> None:
    customer = company.customers["A"]
    complaint = register(
        company, phone="", email="li@example.com", content=f"尾号 {customer.phone[-4:]} 的客户"
    )
    assert complaint.customer_id is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": "   "}, "content"),
        ({"complainant": ""}, "complainant"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "", "email": ""}, "phone"),
        ({"email": "not-an-address", "phone": ""}, "email"),
        ({"channel": "fax"}, "channel"),
        ({"demand": "everything"}, "demand"),
        ({"category": "no_such"}, "category"),
        ({"received_at": NOW + timedelta(hours=2)}, "received_at"),
        ({"content": "x" * 5001}, "content"),
        ({"content": "坏\x00数据"}, "content"),
        ({"triggers": ["aliens"]}, "triggers"),
    ],
)
def test_srv_1_bad_input_is_refused_and_nothing_is_saved(
    company: Company, change: dict, field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        register(company, **change)
    assert caught.value.field == field
    assert Complaint.objects.count() == 0
    assert Target.objects.count() == 0


def test_srv_1_registering_needs_the_right(company: Company) -> None:
    with pytest.raises(PermissionDenied):
        register(company, by="fin")
    assert Complaint.objects.count() == 0


def test_srv_1_a_customer_outside_the_registrars_scope_is_not_found(company: Company) -> None:
    from zhike.errors import CustomerNotFound

    with pytest.raises(CustomerNotFound):
        register(company, by="alice", customer_id=company.customers["B"].pk)


# --- SRV-2 and SRV-3 -------------------------------------------------------------------------


def test_srv_2_the_category_routes_to_its_department_and_team(company: Company) -> None:
    complaint = register(company)
    services.complaint_accept(
        by=company.users["crm"],
        complaint_id=complaint.pk,
        category="product_quality",
        policy=POLICY,
        now=NOW,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.CLASSIFIED
    assert complaint.department == company.departments["tech"]
    assert complaint.team == "complaint"


NOWHERE = parse_policy(
    '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\nextends = "general"\n'
    '[service]\ncategories = [{ code = "lost", name = "无部门", department = "nowhere" }]\n',
    "test",
)


def test_srv_2_a_category_whose_department_is_missing_names_the_setting(company: Company) -> None:
    complaint = register(company)
    with pytest.raises(ServiceError) as caught:
        services.complaint_accept(
            by=company.users["crm"],
            complaint_id=complaint.pk,
            category="lost",
            policy=NOWHERE,
            now=NOW,
        )
    assert caught.value.field == "service.categories"
    assert "nowhere" in caught.value.message
    complaint.refresh_from_db()
    assert complaint.state == State.REGISTERED


def test_srv_3_a_repeat_complaint_is_major_and_the_managers_are_told_at_once(
    company: Company,
) -> None:
    first = register(company)
    second = register(company, now=NOW + timedelta(days=30))

    assert first.major is False
    assert second.major is True and second.major_reasons == ["repeat"]
    told = set(
        Notice.objects.filter(kind="complaint.major").values_list("recipient__username", flat=True)
    )
    assert told == {"crm", "gm"}
    warning = second.targets.get(kind="warning")
    assert warning.due_at == NOW + timedelta(days=31)  # 24 h after it was received


def test_srv_3_a_complaint_outside_the_repeat_window_is_not_major(company: Company) -> None:
    register(company)
    later = register(company, now=NOW + timedelta(days=91))
    assert later.major is False


def test_srv_3_a_manager_judges_a_complaint_major(company: Company) -> None:
    complaint = register(company)
    major.complaint_mark_major(
        by=company.users["crm"],
        complaint_id=complaint.pk,
        triggers=["media"],
        policy=POLICY,
        now=NOW,
    )
    complaint.refresh_from_db()
    assert complaint.major and complaint.major_reasons == ["media"]
    assert complaint.targets.filter(kind="warning").count() == 1
    with pytest.raises(PermissionDenied):
        major.complaint_mark_major(
            by=company.users["cs"],
            complaint_id=complaint.pk,
            triggers=["media"],
            policy=POLICY,
            now=NOW,
        )


# --- SRV-4: the workflow -----------------------------------------------------------------------


def _to_investigated(company: Company, **extra) -> Complaint:  # type: ignore[no-untyped-def]
    complaint = register(company, **extra)
    crm = company.users["crm"]
    services.complaint_accept(
        by=crm, complaint_id=complaint.pk, category="service_quality", policy=POLICY, now=NOW
    )
    services.complaint_assign(
        by=crm, complaint_id=complaint.pk, handler_id=company.users["cs"].pk, policy=POLICY, now=NOW
    )
    services.complaint_investigate(
        by=company.users["cs"],
        complaint_id=complaint.pk,
        cause="仓库装车未加固",
        responsible_department_id=company.departments["production"].pk,
        policy=POLICY,
        now=NOW,
    )
    return complaint


def test_srv_4_a_complaint_goes_from_register_to_closed_with_capa(company: Company) -> None:
    cs = company.users["cs"]
    complaint = _to_investigated(company)
    later = NOW + timedelta(hours=2)
    services.complaint_propose(
        by=cs,
        complaint_id=complaint.pk,
        solution="补发两件新品,运费由公司承担",
        compensation=Decimal("200"),
        policy=POLICY,
        now=later,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.PROPOSED
    assert complaint.targets.get(kind="solution").met_at == later
    approve_all(company, complaint, at=later)
    complaint.refresh_from_db()
    assert complaint.state == State.APPROVED
    services.complaint_notify(by=cs, complaint_id=complaint.pk, note="电话告知客户", now=later)
    services.complaint_survey(by=cs, complaint_id=complaint.pk, satisfaction=4, now=later)
    services.complaint_close(
        by=cs,
        complaint_id=complaint.pk,
        summary="包装不牢",
        corrective="补发",
        preventive="装车加固检查表",
        policy=POLICY,
        now=later,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.closed_at == later
    assert not complaint.targets.filter(met_at__isnull=True).exists()
    assert list(
        ComplaintEvent.objects.filter(complaint=complaint).values_list("action", flat=True)
    ) == [
        "register",
        "accept",
        "assign",
        "investigate",
        "propose",
        "approved",
        "notify",
        "survey",
        "close",
    ]


def test_srv_4_an_action_out_of_order_is_refused_and_changes_nothing(company: Company) -> None:
    complaint = register(company)
    with pytest.raises(ServiceError) as caught:
        services.complaint_close(
            by=company.users["crm"],
            complaint_id=complaint.pk,
            summary="s",
            corrective="c",
            preventive="p",
            policy=POLICY,
            now=NOW,
        )
    assert "已登记" in caught.value.message
    complaint.refresh_from_db()
    assert complaint.state == State.REGISTERED and complaint.summary == ""


def test_srv_4_closing_needs_corrective_and_preventive_action(company: Company) -> None:
    complaint = _to_investigated(company)
    Complaint.objects.filter(pk=complaint.pk).update(state=State.SURVEYED)  # at the last step
    with pytest.raises(ServiceError) as caught:
        services.complaint_close(
            by=company.users["cs"],
            complaint_id=complaint.pk,
            summary="s",
            corrective="",
            preventive="",
            policy=POLICY,
            now=NOW,
        )
    assert caught.value.field == "corrective"


def test_srv_4_the_person_complained_about_may_not_handle_it(company: Company) -> None:
    complaint = register(company, accused_id=company.users["cs"].pk)
    crm = company.users["crm"]
    services.complaint_accept(
        by=crm, complaint_id=complaint.pk, category="service_quality", policy=POLICY, now=NOW
    )
    with pytest.raises(ServiceError) as caught:
        services.complaint_assign(
            by=crm,
            complaint_id=complaint.pk,
            handler_id=company.users["cs"].pk,
            policy=POLICY,
            now=NOW,
        )
    assert caught.value.field == "handler_id"
    complaint.refresh_from_db()
    assert complaint.handler_id is None and complaint.state == State.CLASSIFIED


def test_srv_4_the_person_complained_about_may_not_approve_it(company: Company) -> None:
    crm2 = UserFactory(
        username="crm2", department=company.departments["service"], roles=("crm_manager",)
    )
    complaint = _to_investigated(company, accused_id=company.users["crm"].pk)
    services.complaint_propose(
        by=company.users["cs"],
        complaint_id=complaint.pk,
        solution="道歉并补发",
        policy=POLICY,
        now=NOW,
    )
    request = ApprovalRequest.objects.get(object_id=complaint.pk, kind="complaint_solution")
    first = request.steps.get(position=0)
    assert list(first.candidates.all()) == [crm2]


def test_srv_4_with_nobody_else_to_approve_the_proposal_is_refused_whole(company: Company) -> None:
    complaint = _to_investigated(company, accused_id=company.users["crm"].pk)
    with pytest.raises(ApprovalError):
        services.complaint_propose(
            by=company.users["cs"],
            complaint_id=complaint.pk,
            solution="道歉",
            policy=POLICY,
            now=NOW,
        )
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATED and complaint.solution == ""
    assert complaint.targets.get(kind="solution").met_at is None


def test_srv_4_a_returned_solution_goes_back_to_the_handler(company: Company) -> None:
    complaint = _to_investigated(company)
    services.complaint_propose(
        by=company.users["cs"],
        complaint_id=complaint.pk,
        solution="补偿 50 元",
        policy=POLICY,
        now=NOW,
    )
    request = ApprovalRequest.objects.get(object_id=complaint.pk, kind="complaint_solution")
    approval_act(
        request_id=request.pk,
        by=company.users["crm"],
        action="return",
        comment="补偿太少",
        policy=POLICY,
        now=NOW,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATED
    assert complaint.events.last().note == "补偿太少"  # type: ignore[union-attr]


def test_srv_4_an_invalid_complaint_is_closed_with_a_reasoned_reply(company: Company) -> None:
    complaint = register(company)
    with pytest.raises(ServiceError):
        services.complaint_dismiss(
            by=company.users["crm"], complaint_id=complaint.pk, reply=" ", policy=POLICY, now=NOW
        )
    services.complaint_dismiss(
        by=company.users["crm"],
        complaint_id=complaint.pk,
        reply="产品已过保修期且为人为损坏",
        policy=POLICY,
        now=NOW,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.reply.startswith("产品已过")
    assert complaint.due_at is None


def test_srv_4_a_reopened_complaint_starts_a_new_round(company: Company) -> None:
    complaint = register(company)
    crm = company.users["crm"]
    services.complaint_dismiss(
        by=crm, complaint_id=complaint.pk, reply="非质量问题", policy=POLICY, now=NOW
    )
    later = NOW + timedelta(days=2)
    services.complaint_reopen(
        by=crm, complaint_id=complaint.pk, reason="客户再次来电", policy=POLICY, now=later
    )
    complaint.refresh_from_db()
    assert complaint.state == State.REGISTERED  # never assigned: accepted anew
    assert complaint.reopened == 1
    assert complaint.targets.filter(round=1, met_at__isnull=True).count() == 2
    assert complaint.events.last().to_state == State.REGISTERED  # type: ignore[union-attr]


# --- scope ------------------------------------------------------------------------------------


def test_srv_10_each_reader_sees_their_own_complaints(company: Company) -> None:
    about_a = register(company, phone=company.customers["A"].phone)
    other = register(company, phone="13900002222")
    crm = company.users["crm"]
    services.complaint_accept(
        by=crm, complaint_id=other.pk, category="product_quality", policy=POLICY, now=NOW
    )
    services.complaint_assign(
        by=crm, complaint_id=other.pk, handler_id=company.users["tech"].pk, policy=POLICY, now=NOW
    )

    def seen(who: str) -> set[int]:
        return set(selectors.complaints_for(company.users[who]).values_list("pk", flat=True))

    assert seen("cs") == seen("crm") == seen("gm") == {about_a.pk, other.pk}
    assert seen("alice") == {about_a.pk}  # her customer's complaint
    assert seen("bob") == set()
    assert seen("tech") == {other.pk}  # assigned to him
    assert seen("fin") == set()
    with pytest.raises(ComplaintNotFound):
        selectors.complaint_for(company.users["bob"], about_a.pk)


def test_srv_10_the_queue_puts_major_then_the_customers_priority_then_due(company: Company) -> None:
    crm = company.users["crm"]
    late = register(company, phone="13900000001")
    soon = register(company, phone="13900000002", received_at=NOW - timedelta(hours=3))
    vip = register(company, phone="13900000003")
    Complaint.objects.filter(pk=vip.pk).update(priority=1)
    major = register(company, phone="13900000004", triggers=["media"])
    assert [c.pk for c in selectors.queue(crm)] == [major.pk, vip.pk, soon.pk, late.pk]


also_in_a_real_transaction(
    globals(),
    test_srv_4_a_complaint_goes_from_register_to_closed_with_capa,
    test_srv_4_with_nobody_else_to_approve_the_proposal_is_refused_whole,
)
