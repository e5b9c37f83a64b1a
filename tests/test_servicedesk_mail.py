"""SRV-1: the complaint mailbox read by IMAP — hostile and odd mails, a crash between the
complaint and the mailbox's mark, and a real Dovecot server in CI (issue 15)."""

import base64
import imaplib
import os
from dataclasses import replace
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zhike.policy.loader import load_policy
from zhike.servicedesk import services
from zhike.servicedesk.mailbox import (
    Mailbox,
    handle_mail,
    html_to_text,
    mailbox_from_url,
    parse_mail,
    poll_mailbox,
)
from zhike.servicedesk.models import Complaint, ComplaintAttachment, MailMessage

from .conftest import Company

POLICY = load_policy("general")
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
IMAP_URL = os.environ.get("ZHIKE_TEST_IMAP", "")


def chinese_mail(
    charset: str, *, subject: str = "投诉:送货太慢", body: str = "订的货十天还没到,电话也没人接。"
) -> bytes:
    encoded = base64.b64encode(body.encode(charset)).decode()
    return (
        f"From: {Header('王先生', charset).encode()} <wang@example.cn>\r\n"
        f"Subject: {Header(subject, charset).encode()}\r\n"
        "Date: Tue, 17 Nov 2026 09:30:00 +0800\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{encoded}\r\n"
    ).encode("ascii")


def plain_mail(
    *,
    sender: str = "li@example.com",
    subject: str = "服务投诉",
    body: str = "门店服务差",
    attachment: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = f"李女士 <{sender}>"
    message["Subject"] = subject
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="发票.pdf"
        )
    return message.as_bytes()


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "big5", "utf-8"])
def test_srv_1_mail_in_chinese_charsets_reads_as_chinese(charset: str) -> None:
    subject = "投訴:送貨太慢" if charset == "big5" else "投诉:送货太慢"
    body = "訂的貨十天還沒到" if charset == "big5" else "订的货十天还没到"
    parsed = parse_mail(chinese_mail(charset, subject=subject, body=body))
    assert (parsed.sender, parsed.name) == ("wang@example.cn", "王先生")
    assert parsed.subject == subject and parsed.body == body
    assert parsed.sent_at is not None and parsed.sent_at.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_srv_1_mail_with_an_unknown_charset_falls_back_and_loses_nothing() -> None:
    raw = chinese_mail("gb18030").replace(b"charset=gb18030", b"charset=x-unknown-cn")
    assert parse_mail(raw).body == "订的货十天还没到,电话也没人接。"


def test_srv_1_html_mail_keeps_its_text_and_drops_its_script() -> None:
    html = (
        "<p>产品<b>漏水</b></p><script>alert('x')</script><style>p{}</style><div>请尽快处理</div>"
    )
    assert html_to_text(html) == "产品漏水\n请尽快处理"
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["Subject"] = "x"
    message.set_content(html, subtype="html")
    body = parse_mail(message.as_bytes()).body
    assert "漏水" in body and "请尽快处理" in body and "alert" not in body and "<" not in body


def test_srv_1_a_mail_becomes_a_complaint_with_its_attachment(db: None) -> None:
    mail = handle_mail(
        key="k1", raw=plain_mail(attachment=b"%PDF-1.4 test"), policy=POLICY, now=NOW
    )
    assert mail is not None and mail.outcome == "complaint"
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.email == "li@example.com"
    assert complaint.complainant == "李女士" and complaint.content.startswith("服务投诉")
    attachment = ComplaintAttachment.objects.get(complaint=complaint)
    assert attachment.name == "发票.pdf" and attachment.file.read() == b"%PDF-1.4 test"


def test_srv_1_the_same_mail_read_twice_makes_one_complaint(db: None) -> None:
    assert handle_mail(key="k1", raw=plain_mail(), policy=POLICY, now=NOW) is not None
    assert handle_mail(key="k1", raw=plain_mail(), policy=POLICY, now=NOW) is None
    assert Complaint.objects.count() == 1


def test_srv_1_a_mail_without_a_sender_is_quarantined_with_its_raw_message(db: None) -> None:
    raw = plain_mail(sender="")
    mail = handle_mail(key="k2", raw=raw, policy=POLICY, now=NOW)
    assert mail is not None and mail.outcome == "quarantined" and mail.reason == "没有发件人地址"
    assert mail.raw.read() == raw
    assert Complaint.objects.count() == 0


def test_srv_1_an_attachment_over_the_limit_is_not_kept_apart_but_the_raw_mail_is(db: None) -> None:
    big = b"%PDF" + b"0" * (10 * 1024 * 1024 + 1)  # service.mail_attachment_max_mb = 10
    mail = handle_mail(key="k3", raw=plain_mail(attachment=big), policy=POLICY, now=NOW)
    assert mail is not None and mail.outcome == "complaint"
    assert ComplaintAttachment.objects.count() == 0
    assert "发票.pdf" in mail.reason and mail.raw.size > len(big)


def test_srv_1_a_mail_naming_a_complaint_is_a_reply_to_it(company: Company) -> None:
    complaint = services.complaint_register(
        by=company.users["cs"],
        channel="hotline",
        complainant="李女士",
        phone="13900001111",
        content="门店服务差",
        demand="criticism",
        policy=POLICY,
        now=NOW,
    )
    raw = plain_mail(subject=f"回复:{complaint.number.lower()} 补充照片", body="照片见附件")  # type: ignore[union-attr]
    mail = handle_mail(key="k4", raw=raw, policy=POLICY, now=NOW)
    assert mail is not None and mail.outcome == "reply" and mail.complaint == complaint
    assert Complaint.objects.count() == 1
    assert complaint.events.filter(action="mail", note="照片见附件").exists()


def test_srv_1_a_mailbox_url_names_host_user_and_folder() -> None:
    box = mailbox_from_url("imaps://ts%40corp.cn:p%40ss@mail.corp.cn/complaints")
    assert (box.host, box.port, box.user, box.password, box.folder, box.tls) == (
        "mail.corp.cn",
        993,
        "ts@corp.cn",
        "p@ss",
        "complaints",
        True,
    )
    assert mailbox_from_url("imap://u:p@127.0.0.1").folder == "INBOX"
    with pytest.raises(ValueError):
        mailbox_from_url("http://mail.corp.cn")
    with pytest.raises(ValueError):  # modified UTF-7 folder names are not encoded
        mailbox_from_url("imap://u:p@mail.corp.cn/投诉")


# --- against a real IMAP server ----------------------------------------------------------

needs_imap = pytest.mark.skipif(
    not IMAP_URL and not os.environ.get("ZHIKE_REQUIRE_IMAP"),
    reason='no IMAP server: export ZHIKE_TEST_IMAP="$(bash .ci/dovecot.sh)"',
)


def _fresh_folder(name: str) -> tuple[imaplib.IMAP4, Mailbox]:
    """An empty folder of the test mailbox for one test (tests run in parallel)."""
    assert IMAP_URL, "ZHIKE_REQUIRE_IMAP is set but ZHIKE_TEST_IMAP is not"
    box = replace(mailbox_from_url(IMAP_URL), folder=name)
    client = imaplib.IMAP4(box.host, box.port)
    client.login(box.user, box.password)
    client.delete(name)  # left by an earlier run, if any
    client.create(name)
    client.select(name)
    return client, box


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_srv_1_imap_intake_reads_new_mail_once() -> None:
    client, box = _fresh_folder("intake")
    for raw in (chinese_mail("gb2312"), plain_mail(), plain_mail(sender="")):
        client.append(box.folder, None, None, raw)
    first = poll_mailbox(mailbox=box, policy=POLICY, now=NOW)
    assert (first.complaints, first.quarantined) == (2, 1)
    assert sorted(Complaint.objects.values_list("email", flat=True)) == [
        "li@example.com",
        "wang@example.cn",
    ]
    second = poll_mailbox(mailbox=box, policy=POLICY, now=NOW)
    assert (second.complaints, second.quarantined, second.already) == (0, 0, 0)
    client.noop()  # see the flags the poller set in its own session
    assert client.search(None, "UNSEEN")[1][0] == b""
    client.logout()


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_srv_1_imap_a_crash_before_the_mark_never_makes_two_complaints(monkeypatch: Any) -> None:
    client, box = _fresh_folder("crash")
    client.append(box.folder, None, None, plain_mail(subject="崩溃测试"))
    real_uid = imaplib.IMAP4.uid

    def crash_on_store(self: imaplib.IMAP4, command: str, *args: Any) -> Any:
        if command == "STORE":
            raise ConnectionResetError("the worker died")
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", crash_on_store)
    with pytest.raises(ConnectionResetError):
        poll_mailbox(mailbox=box, policy=POLICY, now=NOW)
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)
    assert Complaint.objects.count() == 1  # committed before the crash
    again = poll_mailbox(mailbox=box, policy=POLICY, now=NOW)
    assert (again.complaints, again.already) == (0, 1)
    assert Complaint.objects.count() == 1 and MailMessage.objects.count() == 1
    client.noop()  # see the flags the poller set in its own session
    assert client.search(None, "UNSEEN")[1][0] == b""
    client.logout()


def test_srv_1_a_mailed_attachment_downloads_only_within_scope(company: Company) -> None:
    handle_mail(key="k5", raw=plain_mail(attachment=b"%PDF-1.4 x"), policy=POLICY, now=NOW)
    attachment = ComplaintAttachment.objects.get()
    url = f"/service/attachments/{attachment.pk}/"
    response = company.client("cs").get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"  # type: ignore[attr-defined]
    assert company.client("bob").get(url).status_code == 404
    page = company.client("cs").get(f"/service/complaints/{attachment.complaint_id}/")
    assert "发票.pdf" in page.content.decode()


def test_srv_9_the_complainant_is_told_the_outcome_by_mail_once(
    company: Company, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    from unittest import mock

    from zhike.celery import app
    from zhike.servicedesk.replies import tell_complainant

    complaint = services.complaint_register(
        by=company.users["cs"],
        channel="email",
        complainant="李女士",
        email="li@example.com",
        content="门店服务差",
        demand="criticism",
        policy=POLICY,
        now=NOW,
    )
    with (
        mock.patch.object(app, "send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.complaint_dismiss(
            by=company.users["crm"],
            complaint_id=complaint.pk,
            reply="经核实为门店外包人员,已更换",
            policy=POLICY,
            now=NOW,
        )
    send.assert_called_once_with("servicedesk.tell_complainant", args=[complaint.pk])
    failing = mock.patch("zhike.servicedesk.replies.send_mail", side_effect=OSError("smtp down"))
    with failing, pytest.raises(OSError):
        tell_complainant(complaint.pk)
    assert not complaint.events.filter(action="told").exists()  # the retry will send it
    assert tell_complainant(complaint.pk) is True
    assert tell_complainant(complaint.pk) is False
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["li@example.com"]
    assert complaint.number in mailoutbox[0].subject and "已更换" in mailoutbox[0].body
