"""NTF-1 in two languages: notice, to-do, approval and review titles are stored as a message
and its arguments and read in the reader's language (hardening item 21), while the text in
the company's language stays beside them for search, the admin and WeCom/DingTalk."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from zhike.deferred import Deferred, deferred, stored_title
from zhike.workflow.approvals import approval_act, approval_submit
from zhike.workflow.deadlines import sweep_overdue
from zhike.workflow.models import ApprovalRequest, Deadline, Notice

from .conftest import Company


@pytest.fixture(autouse=True)
def fresh_handlers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from zhike.workflow import approvals

    monkeypatch.setattr(approvals, "_handlers", {})


def blacklist_request(company: Company, general_policy) -> ApprovalRequest:  # type: ignore[no-untyped-def]
    # Created while an English reader's request is active: what is stored must not depend
    # on who happened to trigger it.
    with translation.override("en"):
        return approval_submit(
            kind="development_application",
            subject=company.customers["A"],
            title=deferred("客户列入黑名单:%(name)s", name="甲公司"),
            by=company.users["alice"],
            policy=general_policy,
            now=timezone.now(),
        )


def test_ntf_1_titles_are_stored_in_the_company_language(company: Company, general_policy) -> None:
    request = blacklist_request(company, general_policy)
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert request.title == "客户列入黑名单:甲公司"
    notice = Notice.objects.get(recipient=company.users["sup"], kind="approval.waiting")
    assert notice.title == "待您审批:客户列入黑名单:甲公司"
    deadline = Deadline.objects.get(assignee=company.users["sup"], state="open")
    assert deadline.title == "审批:客户列入黑名单:甲公司"


def test_ntf_1_titles_read_in_the_readers_language(company: Company, general_policy) -> None:
    request = blacklist_request(company, general_policy)
    notice = Notice.objects.get(recipient=company.users["sup"], kind="approval.waiting")
    deadline = Deadline.objects.get(assignee=company.users["sup"], state="open")
    with translation.override("en"):
        assert request.display_title == "Blacklist customer: 甲公司"
        assert notice.display_title == "Waiting for your approval: Blacklist customer: 甲公司"
        assert deadline.display_title == "Approve: Blacklist customer: 甲公司"
        assert str(notice) == notice.display_title
        assert notice.display_body.startswith("Submitted by ")
    with translation.override("zh-hans"):
        assert notice.display_title == "待您审批:客户列入黑名单:甲公司"


def test_ntf_1_the_decision_notice_names_the_outcome_in_the_readers_language(
    company: Company, general_policy
) -> None:
    request = blacklist_request(company, general_policy)
    approval_act(
        request_id=request.pk,
        by=company.users["sup"],
        action="reject",
        comment="资料不全",
        policy=general_policy,
        now=timezone.now(),
    )
    told = Notice.objects.get(recipient=company.users["alice"], kind="approval.rejected")
    assert told.title == "您的申请已驳回:客户列入黑名单:甲公司"
    with translation.override("en"):
        assert told.display_title == "Your request was rejected: Blacklist customer: 甲公司"


def test_ntf_1_escalation_notices_wrap_the_deadline_title(company: Company, general_policy) -> None:
    blacklist_request(company, general_policy)
    sweep_overdue(policy=general_policy, now=timezone.now() + timedelta(days=30))
    overdue = Notice.objects.get(recipient=company.users["sup"], kind="deadline.overdue")
    assert overdue.title == "已逾期:审批:客户列入黑名单:甲公司"
    with translation.override("en"):
        assert overdue.display_title == "Overdue: Approve: Blacklist customer: 甲公司"


def test_ntf_1_workbench_and_api_show_the_readers_language(
    company: Company, general_policy
) -> None:
    blacklist_request(company, general_policy)
    client = company.client("sup")
    assert "待您审批:客户列入黑名单:甲公司" in client.get("/").text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").text
    assert "Waiting for your approval: Blacklist customer: 甲公司" in page
    assert "待您审批" not in page
    box = client.get("/api/v1/inbox").json()
    assert box["notices"][0]["title"] == "Waiting for your approval: Blacklist customer: 甲公司"
    assert box["approvals"][0]["title"] == "Blacklist customer: 甲公司"


def test_ntf_1_plain_titles_and_old_rows_read_as_stored(company: Company) -> None:
    # Rows from before this change (and titles the company typed) have no message: the
    # stored text is all there is, in every language.
    notice = Notice.objects.create(
        recipient=company.users["alice"], kind="x", **stored_title("公司通知:年会")
    )
    assert notice.title_text is None
    with translation.override("en"):
        assert notice.display_title == "公司通知:年会"


def test_ntf_1_deferred_text_survives_its_json_and_a_broken_translation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = deferred("待您审批:%(title)s", title=deferred("客户列入黑名单:%(name)s", name="乙"))
    assert Deferred.from_json(text.as_json()) == text
    # A message id whose placeholders the translation cannot fill falls back to the
    # original wording rather than failing the page.
    monkeypatch.setattr("zhike.deferred.gettext", lambda msgid: "%(count)s customers")
    assert Deferred("%(n)s 位客户", {"n": 3}).render() == "3 位客户"
    # A stored title longer than the column is cut, not refused.
    long = stored_title(deferred("客户列入黑名单:%(name)s", name="甲" * 300))
    assert len(long["title"]) == 200
