"""NTF-1, the inbox as a salesperson lives in it: personal to-dos close with one click, a
rule's item closes only by its work, notices are read on the web (open one, read all), an
approval notice leaves once the step is decided, and important customers come first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from zhike.errors import NotFound
from zhike.grading.models import Standing
from zhike.workflow.approvals import approval_act, approval_submit
from zhike.workflow.deadlines import deadline_open, sweep_overdue
from zhike.workflow.models import Deadline, DeadlineState, Notice
from zhike.workflow.selectors import inbox_for
from zhike.workflow.todos import TodoError, todo_add, todo_done

from .base import also_in_a_real_transaction
from .conftest import Company
from .factories import UserFactory


def a_todo(company: Company, general_policy, who: str = "alice", **kw) -> Deadline:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return todo_add(
        by=company.users[who],
        title=kw.pop("title", "周五前给客户发报价"),
        due_at=kw.pop("due_at", now + timedelta(days=1)),
        now=now,
        policy=general_policy,
        **kw,
    )


def test_ntf_1_a_personal_todo_closes_with_one_click(company: Company) -> None:
    client = company.client("alice")
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/todos/new/", {"title": "  周五前 给客户发报价 ", "due_at": due})
    assert response.status_code == 302
    todo = Deadline.objects.get(assignee=company.users["alice"], rule="personal")
    assert todo.title == "周五前 给客户发报价"
    page = client.get("/").text
    assert "周五前 给客户发报价" in page and f"/todos/{todo.pk}/done/" in page
    # One click (htmx): the item is swapped out and the to-do is done.
    done = client.post(f"/todos/{todo.pk}/done/", headers={"HX-Request": "true"})
    assert done.status_code == 200 and done.text == ""
    todo.refresh_from_db()
    assert todo.state == DeadlineState.DONE and todo.closed_at is not None
    assert "周五前 给客户发报价" not in client.get("/").text


def test_ntf_1_a_rules_item_closes_only_by_its_work(company: Company, general_policy) -> None:
    item = deadline_open(
        title="拜访报告:甲方阿尔法科技",
        assignee=company.users["alice"],
        start=timezone.now(),
        within=general_policy.deadlines["data_update"].within,
        policy=general_policy,
        rule="visit_report",
        subject=company.customers["A"],
    )
    with pytest.raises(TodoError, match="自动完成"):
        todo_done(by=company.users["alice"], todo_id=item.pk, now=timezone.now())
    answer = company.api("alice").post(f"/api/v1/inbox/todos/{item.pk}/done")
    assert answer.status_code == 400 and "不能直接勾销" in answer.json()["message"]
    assert f"/todos/{item.pk}/done/" not in company.client("alice").get("/").text
    item.refresh_from_db()
    assert item.state == DeadlineState.OPEN


def test_ntf_1_bad_todos_say_why_and_save_nothing(company: Company, general_policy) -> None:
    with pytest.raises(TodoError) as caught:
        a_todo(company, general_policy, title="   ", due_at=timezone.now() - timedelta(hours=1))
    assert {f for f, _m in caught.value.errors} == {"title", "due_at"}
    api = company.api("alice")
    answer = api.post(
        "/api/v1/inbox/todos",
        {"title": "", "due_at": (timezone.now() - timedelta(days=1)).isoformat()},
        "application/json",
    )
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["title", "due_at"]
    assert "到期时间不能早于现在" in answer.json()["errors"][1]["message"]
    web = company.client("alice").post("/todos/new/", {"title": "x", "due_at": "明天"}, follow=True)
    assert "请填写到期时间" in web.text
    assert not Deadline.objects.filter(rule="personal").exists()


def test_ntf_1_someone_elses_todo_is_not_found(company: Company, general_policy) -> None:
    todo = a_todo(company, general_policy, who="bob")
    with pytest.raises(NotFound):
        todo_done(by=company.users["alice"], todo_id=todo.pk, now=timezone.now())
    assert company.api("alice").post(f"/api/v1/inbox/todos/{todo.pk}/done").status_code == 404
    assert company.client("alice").post(f"/todos/{todo.pk}/done/").status_code == 302
    todo.refresh_from_db()
    assert todo.state == DeadlineState.OPEN


def test_ntf_1_api_todo_round_trip_and_done_twice_is_done_once(
    company: Company, general_policy
) -> None:
    api = company.api("alice")
    due = (timezone.now() + timedelta(hours=3)).isoformat()
    made = api.post("/api/v1/inbox/todos", {"title": "回电话", "due_at": due}, "application/json")
    assert made.status_code == 201 and made.json()["personal"] is True
    pk = made.json()["id"]
    assert api.get("/api/v1/inbox").json()["due"][0]["title"] == "回电话"
    assert api.post(f"/api/v1/inbox/todos/{pk}/done").status_code == 200
    assert api.post(f"/api/v1/inbox/todos/{pk}/done").status_code == 200
    assert api.get("/api/v1/inbox").json()["due"] == []


def test_ntf_1_personal_todos_never_escalate(company: Company, general_policy) -> None:
    todo = a_todo(company, general_policy, due_at=timezone.now() + timedelta(minutes=1))
    sweep_overdue(policy=general_policy, now=timezone.now() + timedelta(days=30))
    todo.refresh_from_db()
    assert todo.escalation_level == 0
    assert not Notice.objects.filter(kind__startswith="deadline.").exists()
    # ... but it shows as overdue to its owner.
    inbox = inbox_for(company.users["alice"], now=timezone.now() + timedelta(days=30))
    assert [d.pk for d in inbox.overdue] == [todo.pk]


def test_ntf_1_opening_a_notice_marks_it_read_and_follows_it(company: Company) -> None:
    alice = company.users["alice"]
    inside = Notice.objects.create(recipient=alice, kind="x", title="去看客户", link="/customers/")
    outside = Notice.objects.create(recipient=alice, kind="x", title="外链", link="//evil.example/")
    client = company.client("alice")
    assert f"/notices/{inside.pk}/" in client.get("/").text
    opened = client.get(f"/notices/{inside.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/customers/"
    inside.refresh_from_db()
    assert inside.read_at is not None
    # A link that leaves zhike is not followed.
    assert client.get(f"/notices/{outside.pk}/")["Location"] == "/notices/"
    # Nobody opens another person's notice.
    bobs = Notice.objects.create(recipient=company.users["bob"], kind="x", title="bob's")
    assert client.get(f"/notices/{bobs.pk}/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_ntf_1_read_all_on_the_web_and_in_the_api(company: Company) -> None:
    alice, bob = company.users["alice"], company.users["bob"]
    for i in range(3):
        Notice.objects.create(recipient=alice, kind="x", title=f"第 {i} 条")
    Notice.objects.create(recipient=bob, kind="x", title="bob's")
    client = company.client("alice")
    page = client.get("/notices/").text
    assert "第 2 条" in page and "全部已读" in page
    response = client.post("/notices/read-all/", {"next": "/"}, follow=True)
    assert "已将 3 条通知标为已读" in response.text
    assert not Notice.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=bob, read_at__isnull=True).count() == 1
    # The notices page still lists them, read.
    assert "第 0 条" in client.get("/notices/").text
    api = company.api("bob")
    assert api.post("/api/v1/inbox/notices/read-all").json() == {"marked": 1}
    listed = api.get("/api/v1/inbox/notices").json()
    assert [n["title"] for n in listed] == ["bob's"] and listed[0]["read_at"] is not None
    assert client.get("/notices/read-all/").status_code == 405


def test_ntf_1_an_approval_notice_leaves_when_anyone_decides_the_step(
    company: Company, general_policy
) -> None:
    # Two supervisors in sales1: both are asked; one decides; neither is left with it.
    other = UserFactory(
        username="sup2", department=company.departments["sales1"], roles=("supervisor",)
    )
    request = approval_submit(
        kind="development_application",
        subject=company.customers["A"],
        title="客户开发申请:甲方阿尔法科技",
        by=company.users["alice"],
        policy=general_policy,
        now=timezone.now(),
    )
    waiting = Notice.objects.filter(kind="approval.waiting")
    assert set(waiting.values_list("recipient__username", flat=True)) == {"sup", "sup2"}
    assert waiting.filter(read_at__isnull=True).count() == 2
    approval_act(
        request_id=request.pk,
        by=other,
        action="approve",
        comment="",
        policy=general_policy,
        now=timezone.now(),
    )
    assert waiting.filter(read_at__isnull=True).count() == 0
    page = company.client("sup").get("/").text
    assert "待您审批:客户开发申请" not in page
    # The requester's own notice of the outcome is new and unread.
    assert (
        Notice.objects.get(recipient=company.users["alice"], kind="approval.approved").read_at
        is None
    )


def test_ntf_1_important_customers_first_then_due_time(company: Company, general_policy) -> None:
    alice, now = company.users["alice"], timezone.now()
    from .factories import CustomerFactory

    vip, plain = CustomerFactory(owner=alice), CustomerFactory(owner=alice)
    Standing.objects.create(customer=vip, grade="A", priority=1, since=now)
    Standing.objects.create(customer=plain, grade="C", priority=5, since=now)

    def item(title: str, customer, hours: int) -> Deadline:  # type: ignore[no-untyped-def]
        return deadline_open(
            title=title,
            assignee=alice,
            start=now,
            within=general_policy.deadlines["data_update"].within,
            policy=general_policy,
            rule="demo",
            subject=customer,
        )

    late_vip = item("A 客户", vip, 0)
    soon_plain = item("C 客户", plain, 0)
    Deadline.objects.filter(pk=late_vip.pk).update(due_at=now + timedelta(days=5))
    Deadline.objects.filter(pk=soon_plain.pk).update(due_at=now + timedelta(days=1))
    no_customer = a_todo(company, general_policy, title="自己的事", due_at=now + timedelta(hours=2))
    inbox = inbox_for(alice, now=now)
    assert [d.title for d in inbox.due] == ["A 客户", "C 客户", no_customer.title]


also_in_a_real_transaction(globals(), test_ntf_1_api_todo_round_trip_and_done_twice_is_done_once)


def test_ntf_1_the_workbench_counts_everything_and_the_todos_page_lists_it(
    company: Company, general_policy
) -> None:
    now = timezone.now()
    for i in range(12):
        a_todo(
            company, general_policy, title=f"第 {i:02d} 件事", due_at=now + timedelta(hours=i + 1)
        )
    client = company.client("alice")
    bench = client.get("/").text
    assert '<span class="count">12</span>' in bench and "全部待办" in bench
    assert "第 11 件事" not in bench  # the workbench shows the first ten
    page = client.get("/todos/").text
    assert all(f"第 {i:02d} 件事" in page for i in range(12))
