"""ENG-6 follow-ups planned → done, ENG-4 visit reports, and the to-dos they open and close:
the salesperson's daily loop (issue 19 items 1, 2, 4)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from zhike.engagement.attachments import attachment_add
from zhike.engagement.errors import EngagementError
from zhike.engagement.models import Attachment, FollowUp, VisitReport
from zhike.engagement.services import (
    Location,
    Promise,
    follow_up_cancel,
    follow_up_complete,
    follow_up_record,
    visit_report_submit,
)
from zhike.errors import Conflict, NotFound, PermissionDenied
from zhike.policy.loader import parse_policy
from zhike.uploads import UploadRefused
from zhike.workflow.deadlines import sweep_overdue
from zhike.workflow.models import ApprovalRequest, Deadline, DeadlineState, Notice

from .base import ON_POSTGRESQL, RealTransactionTestCase, also_in_a_real_transaction
from .concurrency import run_in_threads
from .conftest import Company, build_company


def visit(company: Company, policy, *, days_ago: float = 0, who: str = "alice", **kw) -> FollowUp:  # type: ignore[no-untyped-def]
    now = kw.pop("now", timezone.now())
    return follow_up_record(
        by=company.users[who],
        customer_id=kw.pop("customer", company.customers["A"]).pk,
        kind=kw.pop("kind", "visit"),
        content=kw.pop("content", "上门拜访采购部,介绍新品"),
        occurred_at=now - timedelta(days=days_ago),
        now=now,
        policy=policy,
        **kw,
    )


def open_items(user, rule: str) -> list[Deadline]:  # type: ignore[no-untyped-def]
    return list(Deadline.objects.filter(assignee=user, rule=rule, state=DeadlineState.OPEN))


# --- ENG-6: follow-ups ------------------------------------------------------------------------


def test_eng_6_a_follow_up_moves_last_contact_forward_only(
    company: Company, general_policy
) -> None:
    now, customer = timezone.now(), company.customers["A"]
    visit(company, general_policy, days_ago=1, now=now)
    visit(company, general_policy, days_ago=7, kind="call", content="补记上周的电话沟通", now=now)
    customer.refresh_from_db()
    assert customer.last_contact_at == now - timedelta(days=1)


def test_eng_6_only_qualifying_contact_counts(company: Company, general_policy) -> None:
    customer = company.customers["A"]
    visit(company, general_policy, kind="call", content="未接")  # too short to count
    visit(company, general_policy, kind="email", content="发送了产品目录和报价单")  # not a kind
    customer.refresh_from_db()
    assert customer.last_contact_at is None
    # The policy decides: a company that counts e-mails says so.
    text = (
        '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\nextends = "general"\n'
    )
    text += '[engagement.qualifying_contact]\nkinds = ["email"]\nmin_content_chars = 2\n'
    visit(company, parse_policy(text, "test"), kind="email", content="发送报价")
    customer.refresh_from_db()
    assert customer.last_contact_at is not None


def test_eng_6_the_next_step_becomes_a_to_do_the_next_contact_closes(
    company: Company, general_policy
) -> None:
    alice, customer, now = company.users["alice"], company.customers["A"], timezone.now()
    visit(
        company,
        general_policy,
        kind="call",
        content="电话沟通样品",
        next_step="寄样品",
        next_at=now + timedelta(days=3),
        now=now,
    )
    [reminder] = open_items(alice, "follow_up_next")
    assert reminder.due_at == now + timedelta(days=3) and "寄样品" in reminder.title
    customer.refresh_from_db()
    assert customer.next_contact_at == now + timedelta(days=3)
    # A personal reminder: it never escalates.
    sweep_overdue(policy=general_policy, now=now + timedelta(days=30))
    reminder.refresh_from_db()
    assert reminder.escalation_level == 0 and not Notice.objects.exists()
    # The next follow-up on that customer is what it asked for: it closes, no third to-do.
    visit(company, general_policy, kind="call", content="样品已寄出,客户确认收到")
    assert open_items(alice, "follow_up_next") == []
    customer.refresh_from_db()
    assert customer.next_contact_at is None


def test_eng_6_a_planned_visit_is_a_to_do_until_done(company: Company, general_policy) -> None:
    alice, now = company.users["alice"], timezone.now()
    plan = follow_up_record(
        by=alice,
        customer_id=company.customers["A"].pk,
        kind="visit",
        planned=True,
        content="回访:确认样品试用情况",
        occurred_at=now + timedelta(days=1),
        now=now,
        policy=general_policy,
    )
    assert plan.state == "planned"
    [reminder] = open_items(alice, "follow_up_planned")
    assert reminder.due_at == plan.occurred_at
    company.customers["A"].refresh_from_db()
    assert company.customers["A"].next_contact_at == plan.occurred_at
    later = now + timedelta(days=1, hours=2)
    done = follow_up_complete(
        by=alice,
        follow_up_id=plan.pk,
        content="",
        outcome="试用满意,准备下单",
        location=Location(Decimal("30.274085"), Decimal("120.155070"), 35, later),
        now=later,
        policy=general_policy,
    )
    assert done.state == "done" and done.content == "回访:确认样品试用情况"
    assert done.located and done.accuracy_m == 35
    assert open_items(alice, "follow_up_planned") == []
    # A done visit owes its report (ENG-4).
    assert len(open_items(alice, "visit_report")) == 1
    with pytest.raises(EngagementError, match="已完成或已取消"):
        follow_up_cancel(by=alice, follow_up_id=plan.pk, now=later)


def test_eng_6_cancelling_a_plan_closes_its_to_do(company: Company, general_policy) -> None:
    alice, now = company.users["alice"], timezone.now()
    plan = follow_up_record(
        by=alice,
        customer_id=company.customers["A"].pk,
        kind="call",
        planned=True,
        content="电话确认交期",
        occurred_at=now + timedelta(hours=5),
        now=now,
        policy=general_policy,
    )
    follow_up_cancel(by=alice, follow_up_id=plan.pk, now=now)
    item = Deadline.objects.get(rule="follow_up_planned")
    assert item.state == DeadlineState.CANCELLED
    company.customers["A"].refresh_from_db()
    assert company.customers["A"].next_contact_at is None


def test_eng_6_bad_follow_ups_say_every_problem_and_save_nothing(
    company: Company, general_policy
) -> None:
    now = timezone.now()
    with pytest.raises(EngagementError) as caught:
        follow_up_record(
            by=company.users["alice"],
            customer_id=company.customers["A"].pk,
            kind="fax",
            content="  ",
            next_at=now - timedelta(hours=1),
            location=Location(Decimal("91"), Decimal("0"), 10, now),
            now=now,
            policy=general_policy,
        )
    fields = {f for f, _m in caught.value.errors}
    assert fields == {"kind", "content", "next_at", "location"}
    with pytest.raises(EngagementError) as planned:
        follow_up_record(
            by=company.users["alice"],
            customer_id=company.customers["A"].pk,
            kind="visit",
            planned=True,
            content="拜访",
            occurred_at=now - timedelta(days=1),
            now=now,
            policy=general_policy,
        )
    assert planned.value.errors == [("occurred_at", "计划时间不能早于现在")]
    api = company.api("alice").post(
        "/api/v1/follow-ups",
        {
            "customer_id": company.customers["A"].pk,
            "kind": "call",
            "content": "",
            "next_at": (now - timedelta(days=1)).isoformat(),
        },
        "application/json",
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == ["content", "next_at"]
    assert "跟进内容不能为空" in api.json()["errors"][0]["message"]
    assert not FollowUp.objects.exists() and not Deadline.objects.exists()


def test_eng_6_outside_the_scope_nothing_is_recorded(company: Company, general_policy) -> None:
    from zhike.errors import CustomerNotFound

    with pytest.raises(CustomerNotFound):
        visit(company, general_policy, who="bob")
    answer = company.api("bob").post(
        "/api/v1/follow-ups",
        {"customer_id": company.customers["A"].pk, "kind": "call", "content": "电话回访客户"},
        "application/json",
    )
    assert answer.status_code == 404 and not FollowUp.objects.exists()


def test_eng_6_check_in_required_by_the_policy(company: Company, general_policy) -> None:
    text = (
        '[policy]\nname = "t"\nversion = "t-2"\neffective_date = 2026-01-01\nextends = "general"\n'
    )
    text += '[engagement]\ncheck_in = "require"\n'
    strict = parse_policy(text, "test")
    with pytest.raises(EngagementError, match="签到"):
        visit(company, strict)
    visit(company, strict, kind="call", content="电话不需要签到的")  # only visits
    now = timezone.now()
    done = visit(company, strict, location=Location(Decimal("39.9"), Decimal("116.4"), 20, now))
    assert done.latitude == Decimal("39.900000")


def test_eng_6_recording_on_the_web_with_a_check_in(company: Company) -> None:
    customer = company.customers["A"]
    client = company.client("alice")
    page = client.get(f"/customers/{customer.pk}/follow-ups/")
    assert "外勤签到" in page.text and "data-check-in" in page.text
    response = client.post(
        f"/customers/{customer.pk}/follow-ups/",
        {
            "kind": "visit",
            "content": "拜访王经理,了解明年预算",
            "next_step": "发报价",
            "next_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "latitude": "30.274085",
            "longitude": "120.155070",
            "accuracy_m": "25",
            "located_at": timezone.now().isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    assert "已记录跟进" in response.text and "待提交拜访报告" in response.text
    item = FollowUp.objects.get()
    assert item.accuracy_m == 25 and item.next_step == "发报价"
    # The workbench shows the report to write and the next step.
    bench = client.get("/").text
    assert "拜访报告:甲方阿尔法科技" in bench and "发报价" in bench


# --- ENG-4: visit reports -----------------------------------------------------------------------


def test_eng_4_a_report_on_day_3_is_overdue_and_escalated_once(
    company: Company, general_policy
) -> None:
    alice = company.users["alice"]
    # A visit on Wednesday 2026-12-02: the report is due two working days later.
    made = timezone.make_aware(timezone.datetime(2026, 12, 2, 10, 0))
    follow_up_record(
        by=alice,
        customer_id=company.customers["A"].pk,
        kind="visit",
        content="上门拜访,介绍新品",
        occurred_at=made,
        now=made,
        policy=general_policy,
    )
    [report] = open_items(alice, "visit_report")
    assert timezone.localtime(report.due_at).date() == timezone.datetime(2026, 12, 4).date()
    day_3 = made + timedelta(days=2, hours=8)  # Friday evening, after the due time
    first = sweep_overdue(policy=general_policy, now=day_3)
    again = sweep_overdue(policy=general_policy, now=day_3 + timedelta(minutes=5))
    assert first.escalated == 1 and again.escalated == 0
    report.refresh_from_db()
    assert report.escalation_level == 1
    assert Notice.objects.filter(recipient=alice, kind="deadline.overdue").count() == 1
    assert Notice.objects.filter(recipient=company.users["sup"], kind="deadline.escalated").exists()


def test_eng_4_submitting_the_report_closes_it_and_promises_become_to_dos(
    company: Company, general_policy
) -> None:
    alice, now = company.users["alice"], timezone.now()
    made = visit(company, general_policy, days_ago=1)
    report = visit_report_submit(
        by=alice,
        visit_id=made.pk,
        summary="见了采购王经理,明年预算增加两成,关注交期",
        promises=[Promise("周三前寄样品", now + timedelta(days=2))],
        now=now,
        policy=general_policy,
    )
    assert report.visit == made
    assert open_items(alice, "visit_report") == []
    [promise] = open_items(alice, "personal")
    assert "周三前寄样品" in promise.title and promise.object_id == company.customers["A"].pk
    with pytest.raises(Conflict):
        visit_report_submit(
            by=alice, visit_id=made.pk, summary="再交一次", now=now, policy=general_policy
        )


def test_eng_4_bad_reports_are_refused(company: Company, general_policy) -> None:
    now, alice = timezone.now(), company.users["alice"]
    made = visit(company, general_policy)
    call = visit(company, general_policy, kind="call", content="电话沟通交期问题")
    with pytest.raises(EngagementError) as caught:
        visit_report_submit(
            by=alice,
            visit_id=made.pk,
            summary=" ",
            promises=[Promise("", now - timedelta(days=1))],
            now=now,
            policy=general_policy,
        )
    assert {f for f, _m in caught.value.errors} == {
        "summary",
        "promises.0.title",
        "promises.0.due_at",
    }
    with pytest.raises(EngagementError, match="只有已完成的拜访"):
        visit_report_submit(by=alice, visit_id=call.pk, summary="x", now=now, policy=general_policy)
    # Someone else's visit: the supervisor sees it but may not report it.
    with pytest.raises(PermissionDenied, match="只能为自己的拜访"):
        visit_report_submit(
            by=company.users["sup"],
            visit_id=made.pk,
            summary="代写",
            now=now,
            policy=general_policy,
        )
    with pytest.raises(NotFound):
        visit_report_submit(by=alice, visit_id=10**12, summary="x", now=now, policy=general_policy)
    assert not VisitReport.objects.exists()
    assert len(open_items(alice, "visit_report")) == 1


def test_eng_4_the_report_on_the_web(company: Company, general_policy) -> None:
    made = visit(company, general_policy, days_ago=1)
    client = company.client("alice")
    page = client.get(f"/follow-ups/{made.pk}/")
    assert "提交拜访报告" in page.text
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/follow-ups/{made.pk}/",
        {
            "action": "report",
            "summary": "客户满意,准备下单",
            "promise_0": "寄合同",
            "promise_0_due": due,
        },
        follow=True,
    )
    assert "客户满意,准备下单" in response.text and "提交拜访报告" not in response.text
    assert "寄合同" in client.get("/").text
    bad = client.post(f"/follow-ups/{made.pk}/", {"action": "report", "summary": "重复"})
    assert "已提交过报告" in bad.text
    # The supervisor reads the visit but has no report form.
    assert "提交拜访报告" not in company.client("sup").get(f"/follow-ups/{made.pk}/").text


def test_eng_4_only_the_author_is_asked_for_the_report_on_the_timeline(
    company: Company, general_policy
) -> None:
    visit(company, general_policy, days_ago=1)
    fragment = f"/customers/{company.customers['A'].pk}/follow-ups/"
    assert "待提交拜访报告" in company.client("alice").get(fragment).text
    supervisors = company.client("sup").get(fragment).text
    assert "待提交拜访报告" not in supervisors and "未提交拜访报告" in supervisors


def test_eng_6_the_timeline_shows_author_report_and_attachments_of_each_follow_up(
    company: Company, general_policy, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path
    alice = company.users["alice"]
    alice.display_name = "王小丽"
    alice.save()
    reported, bare = visit(company, general_policy, days_ago=2), visit(company, general_policy)
    visit_report_submit(
        by=alice,
        visit_id=reported.pk,
        summary="谈妥",
        promises=[],
        now=timezone.now(),
        policy=general_policy,
    )
    for name in ("门头.png", "店内.png"):
        upload = SimpleUploadedFile(name, png(), "image/png")
        attachment_add(by=alice, follow_up_id=reported.pk, policy=general_policy, upload=upload)
    fragment = f"/customers/{company.customers['A'].pk}/follow-ups/"
    text = company.client("sup").get(fragment, headers={"HX-Request": "true"}).text
    newest, older = text.split('class="state-done"')[1:3]
    assert "王小丽:" in newest and "未提交拜访报告" in newest and "个附件" not in newest
    assert "王小丽:" in older and "已提交拜访报告" in older and "2 个附件" in older
    assert bare.pk and "alice" not in text  # the display name, not the username


# --- Photos and files -----------------------------------------------------------------------------


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_eng_6_photos_must_be_images_and_within_the_size(
    company: Company, general_policy, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path
    alice, made = company.users["alice"], visit(company, general_policy)
    photo = attachment_add(
        by=alice,
        follow_up_id=made.pk,
        policy=general_policy,
        photo=True,
        upload=SimpleUploadedFile("门头.png", png(), "image/png"),
    )
    assert photo.is_image and photo.content_type == "image/png"
    with pytest.raises(UploadRefused, match="照片须为"):
        attachment_add(
            by=alice,
            follow_up_id=made.pk,
            policy=general_policy,
            photo=True,
            upload=SimpleUploadedFile("photo.jpg", b"MZ\x90\x00not an image", "image/jpeg"),
        )
    with pytest.raises(UploadRefused, match="只能上传"):
        attachment_add(
            by=alice,
            follow_up_id=made.pk,
            policy=general_policy,
            upload=SimpleUploadedFile("报价.pdf", b"<html>not a pdf", "application/pdf"),
        )
    big = SimpleUploadedFile("big.png", png() + b"\0" * (10 * 1024 * 1024), "image/png")
    with pytest.raises(UploadRefused, match="不能超过 10 MB"):
        attachment_add(by=alice, follow_up_id=made.pk, policy=general_policy, upload=big)
    with pytest.raises(PermissionDenied):
        attachment_add(
            by=company.users["sup"],
            follow_up_id=made.pk,
            policy=general_policy,
            upload=SimpleUploadedFile("x.png", png(), "image/png"),
        )
    assert Attachment.objects.count() == 1
    # Served to who may see the follow-up, not to others.
    assert company.client("alice").get(f"/follow-ups/attachments/{photo.pk}/").status_code == 200
    assert company.client("bob").get(f"/follow-ups/attachments/{photo.pk}/").status_code == 404
    api = company.api("alice").post(
        f"/api/v1/follow-ups/{made.pk}/attachments?photo=true",
        {"file": SimpleUploadedFile("a.txt", b"hello", "text/plain")},
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "file"


def test_eng_6_content_type_and_rights_carry_over_from_the_archive(company: Company) -> None:
    """engagement 0002: a database from before the move has archive.interaction's content
    type and permissions; they become engagement.followup's, with every role's grant."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from zhike.org.models import Role

    ContentType.objects.filter(app_label="engagement", model="followup").delete()
    old = ContentType.objects.create(app_label="archive", model="interaction")
    right = Permission.objects.create(codename="add_interaction", name="x", content_type=old)
    Role.objects.get(code="salesperson").permissions.add(right)
    ContentType.objects.clear_cache()
    migration = importlib.import_module("zhike.engagement.migrations.0002_follow_up")
    migration.carry_over_rights(apps, None)
    ContentType.objects.clear_cache()
    alice = type(company.users["alice"]).objects.get(pk=company.users["alice"].pk)
    assert alice.has_perm("engagement.add_followup")


also_in_a_real_transaction(
    globals(),
    test_eng_6_the_next_step_becomes_a_to_do_the_next_contact_closes,
    test_eng_6_a_planned_visit_is_a_to_do_until_done,
    test_eng_4_submitting_the_report_closes_it_and_promises_become_to_dos,
)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="20 writers need PostgreSQL's row locks")
class ParallelReportTests(RealTransactionTestCase):
    def test_eng_4_twenty_parallel_reports_one_report(self) -> None:
        from zhike.policy.loader import load_policy

        company, policy = build_company(), load_policy("general")
        made = visit(company, policy, days_ago=1)
        outcomes: list[str] = []

        def submit(i: int) -> None:
            try:
                visit_report_submit(
                    by=company.users["alice"],
                    visit_id=made.pk,
                    summary=f"报告 {i}",
                    now=timezone.now(),
                    policy=policy,
                )
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")

        self.assertEqual(run_in_threads(20, submit), [])
        self.assertEqual(sorted(outcomes), ["conflict"] * 19 + ["ok"])
        self.assertEqual(VisitReport.objects.count(), 1)

    def test_eng_3_twenty_parallel_first_saves_one_plan(self) -> None:
        from zhike.engagement.models import VisitPlan
        from zhike.engagement.plans import visit_plan_save

        company = build_company()
        now = timezone.now()
        month = (timezone.localdate(now).replace(day=1) + timedelta(days=32)).replace(day=1)
        outcomes: list[str] = []

        def save(i: int) -> None:
            try:
                visit_plan_save(
                    by=company.users["alice"],
                    month=month,
                    lines=_plan_lines(company, month),
                    now=now,
                    note=f"第 {i} 次",
                )
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")

        self.assertEqual(run_in_threads(20, save), [])
        self.assertEqual(VisitPlan.objects.count(), 1)
        self.assertEqual(VisitPlan.objects.get().lines.count(), 2)
        self.assertIn("ok", outcomes)


# --- ENG-5: visit frequency by grade ------------------------------------------------------------


def _standing(customer, tier: str):  # type: ignore[no-untyped-def]
    from zhike.grading.models import Standing

    return Standing.objects.create(customer=customer, tier=tier, since=timezone.now())


def test_eng_5_the_general_matrix_visits_vip_customers_monthly_by_their_owner(
    company: Company, general_policy
) -> None:
    from zhike.grading.treatment import schedule_revisits

    cell = next(c for c in general_policy.grading.treatment.cells if c.when == {"tier": "core"})
    assert cell.revisit_every_months == 1 and cell.revisit_roles == ["salesperson"]
    _standing(company.customers["A"], "core")
    _standing(company.customers["B"], "ordinary")  # no revisit duty
    today = timezone.localdate()
    assert schedule_revisits(policy=general_policy, today=today) == 1
    assert schedule_revisits(policy=general_policy, today=today) == 0  # once a month
    duty = Deadline.objects.get(rule="revisit")
    assert duty.assignee == company.users["alice"]  # the owner, not any salesperson
    # Next month: a new duty, one, not two.
    later = today.replace(day=1) + timedelta(days=40)
    assert schedule_revisits(policy=general_policy, today=later) == 1
    # A visit by the owner fulfils it.
    visit(company, general_policy)
    assert Deadline.objects.filter(rule="revisit", state=DeadlineState.OPEN).count() == 0


def test_eng_5_who_is_behind_for_the_supervisor(company: Company, general_policy) -> None:
    from zhike.engagement.behind import who_is_behind

    from .factories import CustomerFactory

    alice, now = company.users["alice"], timezone.now()
    fresh = CustomerFactory(owner=alice, last_contact_at=now - timedelta(days=3))
    stale = CustomerFactory(owner=alice, last_contact_at=now - timedelta(days=45))
    never = CustomerFactory(owner=alice)
    for customer in (fresh, stale, never):
        _standing(customer, "core")
    _standing(CustomerFactory(owner=company.users["bob"]), "core")  # another department
    _standing(CustomerFactory(owner=alice), "ordinary")  # no visit required
    rows = who_is_behind(company.users["sup"], policy=general_policy, now=now)
    assert [(r.name, r.uncontacted) for r in rows] == [(str(alice.display_name or "alice"), 2)]
    # The salesperson sees only their own; a page lists the customers owed a visit.
    page = company.client("sup").get(f"/visits/behind/?user={alice.pk}")
    assert page.status_code == 200
    assert stale.name in page.text and never.name in page.text and fresh.name not in page.text
    assert who_is_behind(company.users["bob"], policy=general_policy, now=now)[0].uncontacted == 1


# --- ENG-3: visit plans -------------------------------------------------------------------------


def _plan_lines(company: Company, month) -> list:  # type: ignore[no-untyped-def]
    from zhike.engagement.plans import PlanLine

    return [
        PlanLine(company.customers["A"].pk, month.replace(day=8), "介绍新品", target="拿到试用"),
        PlanLine(company.customers["A"].pk, month.replace(day=20), "回访试用情况"),
    ]


def test_eng_3_the_plan_due_day_follows_the_policy(company: Company, general_policy) -> None:
    from datetime import date

    from zhike.engagement.plans import due_moment, open_plan_duties

    today = date(2026, 12, 1)
    assert timezone.localtime(due_moment(date(2027, 1, 1), general_policy)).date() == date(
        2026, 12, 25
    )
    text = (
        '[policy]\nname = "t"\nversion = "t-3"\neffective_date = 2026-01-01\nextends = "general"\n'
    )
    text += "[engagement]\nvisit_plan_due_day = 31\n"
    month_end = parse_policy(text, "test")
    assert timezone.localtime(due_moment(date(2027, 3, 1), month_end)).date() == date(2027, 2, 28)
    # One duty per salesperson, once; it escalates when missed.
    made = open_plan_duties(policy=general_policy, today=today)
    assert made == 3  # alice, bob, carol
    assert open_plan_duties(policy=general_policy, today=today) == 0
    duty = Deadline.objects.get(assignee=company.users["alice"], rule="visit_plan")
    assert timezone.localtime(duty.due_at).date() == date(2026, 12, 25)
    sweep_overdue(policy=general_policy, now=duty.due_at + timedelta(hours=1))
    duty.refresh_from_db()
    assert duty.escalation_level == 1
    assert Notice.objects.filter(recipient=company.users["sup"], kind="deadline.escalated").exists()


def test_eng_3_submit_approve_and_plan_against_actual(company: Company, general_policy) -> None:
    from datetime import date

    from zhike.engagement.plans import (
        open_plan_duties,
        plan_against_actual,
        visit_plan_save,
        visit_plan_submit,
    )
    from zhike.workflow.approvals import approval_act

    alice, sup = company.users["alice"], company.users["sup"]
    now = timezone.now()
    month = date(now.year + now.month // 12, now.month % 12 + 1, 1)
    open_plan_duties(policy=general_policy, today=timezone.localdate(now))
    plan = visit_plan_save(by=alice, month=month, lines=_plan_lines(company, month), now=now)
    plan = visit_plan_submit(by=alice, plan_id=plan.pk, now=now, policy=general_policy)
    assert plan.state == "submitted"
    assert open_items(alice, "visit_plan") == []  # the duty is fulfilled
    request = ApprovalRequest.objects.get(kind="visit_plan")
    approval_act(
        request_id=request.pk, by=sup, action="approve", comment="", policy=general_policy, now=now
    )
    plan.refresh_from_db()
    assert plan.state == "approved"
    planned = list(FollowUp.objects.filter(state="planned", by=alice).order_by("occurred_at"))
    assert [timezone.localtime(f.occurred_at).day for f in planned] == [8, 20]
    # One of the two planned visits takes place.
    follow_up_complete(
        by=alice,
        follow_up_id=planned[0].pk,
        content="",
        now=planned[0].occurred_at + timedelta(hours=1),
        policy=general_policy,
    )
    [row] = plan_against_actual(sup, month=month)
    assert (row.name, row.planned, row.done, row.visits) == (str(alice), 2, 1, 1)
    # Approved plans are not edited.
    with pytest.raises(EngagementError, match="不能再修改"):
        visit_plan_save(by=alice, month=month, lines=_plan_lines(company, month), now=now)


def test_eng_3_bad_plans_are_refused_with_every_reason(company: Company, general_policy) -> None:
    from datetime import date

    from zhike.engagement.models import VisitPlan
    from zhike.engagement.plans import PlanLine, visit_plan_save

    alice, now = company.users["alice"], timezone.now()
    month = date(now.year + now.month // 12, now.month % 12 + 1, 1)
    with pytest.raises(EngagementError) as caught:
        visit_plan_save(
            by=alice,
            month=month,
            lines=[
                PlanLine(company.customers["B"].pk, month, "别人的客户"),  # outside the scope
                PlanLine(company.customers["A"].pk, month - timedelta(days=3), " "),
            ],
            now=now,
        )
    assert caught.value.errors == [
        ("lines.0.customer_id", "客户不存在或无权查看"),
        ("lines.1.planned_on", f"计划日期须在 {month:%Y-%m} 内"),
        ("lines.1.purpose", "请填写拜访目的"),
    ]
    api = company.api("alice").post(
        "/api/v1/visit-plans",
        {
            "month": month.isoformat(),
            "lines": [
                {
                    "customer_id": company.customers["B"].pk,
                    "planned_on": month.isoformat(),
                    "purpose": "x",
                }
            ],
        },
        "application/json",
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "lines.0.customer_id"
    assert not VisitPlan.objects.exists()


def test_eng_3_the_plan_on_the_web(company: Company) -> None:
    from zhike.engagement.models import VisitPlan

    client = company.client("alice")
    page = client.get("/visits/plans/")
    assert page.status_code == 200 and "提交审核" in page.text
    now = timezone.localdate()
    month = now.replace(day=1) + timedelta(days=32)
    day = month.replace(day=10).isoformat()
    code = company.customers["A"].code
    bad = client.post(
        f"/visits/plans/?month={month:%Y-%m}",
        {"rows": "3", "customer_0": "NO-SUCH", "day_0": day, "purpose_0": "x", "action": "save"},
    )
    assert "第 1 行:客户不存在或无权查看" in bad.text and 'value="NO-SUCH"' in bad.text
    done = client.post(
        f"/visits/plans/?month={month:%Y-%m}",
        {
            "rows": "3",
            "customer_0": code,
            "day_0": day,
            "purpose_0": "介绍新品",
            "action": "submit",
        },
        follow=True,
    )
    assert "拜访计划已提交主管审核" in done.text
    assert VisitPlan.objects.get().state == "submitted"
    assert "拜访计划" in company.client("sup").get("/approvals/").text


also_in_a_real_transaction(globals(), test_eng_3_submit_approve_and_plan_against_actual)


# --- ENG-11: the daily report -------------------------------------------------------------------


def test_eng_11_yesterday_from_the_data_today_typed_the_team_on_one_page(
    company: Company, general_policy
) -> None:
    from datetime import datetime, time

    from zhike.engagement.daily import daily_report_save, team_day

    from .factories import trade

    alice, today = company.users["alice"], timezone.localdate()
    yesterday_noon = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(12)))
    visit(company, general_policy, now=yesterday_noon + timedelta(hours=1), days_ago=0)
    visit(company, general_policy, kind="call", content="今天上午的电话沟通")  # today: not counted
    trade(company.customers["A"], on=today - timedelta(days=1), amount=12000)
    daily_report_save(by=alice, day=today, plan="上午拜访甲方,下午整理报价")
    daily_report_save(by=alice, day=today, plan="上午拜访甲方,下午寄样品")  # replaces
    lines = {
        line.name: line for line in team_day(company.users["sup"], day=today, roles=["salesperson"])
    }
    mine = lines[str(alice)]
    assert (mine.visits, mine.deals, mine.deal_amount) == (1, 1, Decimal("12000"))
    assert mine.plan == "上午拜访甲方,下午寄样品"
    with pytest.raises(EngagementError, match="请填写今日计划"):
        daily_report_save(by=alice, day=today, plan="  ")
    page = company.client("sup").get("/visits/daily/").text
    assert "团队日报" in page and "上午拜访甲方,下午寄样品" in page
    # A salesperson sees only their own day.
    assert "团队日报" not in company.client("bob").get("/visits/daily/").text
    web = company.client("alice").post("/visits/daily/", {"plan": ""})
    assert "请填写今日计划" in web.text


# --- ENG-9: reporting duty by grade ---------------------------------------------------------------


def _report_duty(company: Company, policy, tier: str = "strategic"):  # type: ignore[no-untyped-def]
    from zhike.grading.treatment import schedule_reports

    _standing(company.customers["A"], tier)
    schedule_reports(policy=policy, today=timezone.localdate())
    return Deadline.objects.get(rule="grading_report", assignee=company.users["alice"])


def test_eng_9_a_monthly_duty_once_a_month_not_twice(company: Company, general_policy) -> None:
    from zhike.grading.treatment import schedule_reports

    duty = _report_duty(company, general_policy)  # strategic: monthly
    assert "1 位客户" in duty.title
    assert schedule_reports(policy=general_policy, today=timezone.localdate()) == 0
    later = timezone.localdate().replace(day=1) + timedelta(days=40)
    assert schedule_reports(policy=general_policy, today=later) == 1
    assert Deadline.objects.filter(rule="grading_report").count() == 2


def test_eng_9_a_periodic_report_climbs_the_chain_with_each_levels_limit(
    company: Company, general_policy
) -> None:
    from zhike.engagement.reports import periodic_report_submit
    from zhike.workflow.approvals import approval_act

    duty = _report_duty(company, general_policy)
    now = timezone.now()
    report = periodic_report_submit(
        by=company.users["alice"],
        duty_id=duty.pk,
        body="战略客户本月经营正常,回款及时",
        now=now,
        policy=general_policy,
    )
    duty.refresh_from_db()
    assert duty.state == DeadlineState.DONE
    request = ApprovalRequest.objects.get(kind="grade_report", object_id=report.pk)
    steps = list(request.steps.order_by("position"))
    assert [s.role for s in steps] == [
        "supervisor",
        "sales_manager",
        "vice_president",
        "general_manager",
    ]
    for person, step in zip(["sup", "mgr", "vp", "gm"], steps, strict=True):
        item = Deadline.objects.get(object_id=step.pk, rule="approval.grade_report")
        assert item.assignee == company.users[person]
        # the policy's own limit for this level (3, 3, 3 and 5 working days)
        assert item.due_at > now + timedelta(days=2)
        approval_act(
            request_id=request.pk,
            by=company.users[person],
            action="approve",
            comment="",
            policy=general_policy,
            now=now,
        )
    request.refresh_from_db()
    assert request.state == "approved"


def test_eng_9_an_emergency_report_tells_every_level_at_once(
    company: Company, general_policy
) -> None:
    from zhike.engagement.reports import emergency_report

    emergency_report(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        body="客户通知本月货款拒付",
        now=timezone.now(),
        policy=general_policy,
    )
    told = set(
        Notice.objects.filter(kind="report.emergency").values_list("recipient__username", flat=True)
    )
    assert told == {"sup", "mgr", "vp", "gm"}
    # The API: the same, and a customer outside the scope is not found.
    api = company.api("bob").post(
        "/api/v1/reports/emergency",
        {"customer_id": company.customers["A"].pk, "body": "拒付"},
        "application/json",
    )
    assert api.status_code == 404


def test_eng_9_bad_reports_are_refused_and_nothing_is_saved(
    company: Company, general_policy
) -> None:
    from zhike.engagement.models import CustomerReport
    from zhike.engagement.reports import periodic_report_submit

    duty = _report_duty(company, general_policy)
    with pytest.raises(EngagementError, match="请填写汇报内容"):
        periodic_report_submit(
            by=company.users["alice"],
            duty_id=duty.pk,
            body=" ",
            now=timezone.now(),
            policy=general_policy,
        )
    with pytest.raises(NotFound):
        periodic_report_submit(
            by=company.users["bob"],
            duty_id=duty.pk,
            body="替别人汇报",
            now=timezone.now(),
            policy=general_policy,
        )
    api = company.api("alice").post(
        "/api/v1/reports/periodic", {"duty_id": duty.pk, "body": ""}, "application/json"
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "body"
    assert not CustomerReport.objects.exists()
    duty.refresh_from_db()
    assert duty.state == DeadlineState.OPEN
    page = company.client("alice").get("/visits/reports/")
    assert duty.display_title in page.text and "紧急汇报" in page.text


also_in_a_real_transaction(
    globals(), test_eng_9_a_periodic_report_climbs_the_chain_with_each_levels_limit
)


# --- The 360° timeline (issue 19 item 8) ----------------------------------------------------------


def test_eng_6_one_timeline_of_follow_ups_grade_and_archive_changes_paged_by_time(
    company: Company, general_policy
) -> None:
    from zhike.archive.services import customer_update
    from zhike.engagement.timeline import customer_timeline
    from zhike.grading.models import GradeChange

    alice, customer, now = company.users["alice"], company.customers["A"], timezone.now()
    for i in range(30):
        visit(
            company, general_policy, kind="call", content=f"第 {i:02d} 次电话回访", days_ago=30 - i
        )
    GradeChange.objects.create(
        customer=customer,
        axis="tier",
        old="ordinary",
        new="core",
        source="review",
        at=now - timedelta(days=10, hours=1),
    )
    customer_update(
        policy=general_policy, by=alice, customer_id=customer.pk, data={"industry": "化工"}
    )
    first = customer_timeline(alice, customer, policy=general_policy, size=20)
    kinds = [e.kind for e in first.entries]
    assert kinds[0] == "change" and "grade" in kinds and kinds.count("follow_up") == 18
    assert [e.at for e in first.entries] == sorted((e.at for e in first.entries), reverse=True)
    grade = next(e for e in first.entries if e.kind == "grade")
    assert grade.label == "一般客户 → 核心客户"
    seen, page = list(first.entries), first
    while page.next_before is not None:
        page = customer_timeline(
            alice, customer, policy=general_policy, before=page.next_before, size=20
        )
        seen += page.entries
    follow_ups = [e.follow_up.pk for e in seen if e.kind == "follow_up"]
    assert len(follow_ups) == len(set(follow_ups)) == 30  # every one, once
    # On the web: the cursor pages; a cursor that is not a time is the first page.
    client = company.client("alice")
    html = client.get(f"/customers/{customer.pk}/follow-ups/").text
    assert ("更早的记录" in html and "等级变动" not in html) or "核心客户" in html
    assert (
        client.get(f"/customers/{customer.pk}/follow-ups/?before=2026-13-45T00:00").status_code
        == 200
    )
    assert client.get(f"/customers/{customer.pk}/follow-ups/?before=abc").status_code == 200
