"""NTF-2: e-mail and WeCom / DingTalk group robots, sent after commit by a job, retried
on failure without sending a delivered message twice. The robots here are a real local
HTTP server that records what it received."""

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from zhike.workflow.models import (
    Delivery,
    DeliveryState,
    Notice,
    NotificationPreference,
    RobotChannel,
)
from zhike.workflow.notify import deliver, notify_many, retryable_deliveries

from .conftest import Company

ROUTED = """
[policy]
name = "t"
version = "t"
effective_date = 2026-01-01
[notifications]
default_channels = ["inapp"]
routes = { "deadline.overdue" = ["inapp", "email", "robot"] }
"""


class Recorder:
    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.fail_next = 0


@pytest.fixture
def robot_server() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            if recorder.fail_next:
                recorder.fail_next -= 1
                self.send_response(502)
                self.end_headers()
                return
            recorder.received.append((self.path, body))
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    server.shutdown()
    server.server_close()


def overdue_notice(company: Company, persona: str = "alice") -> Notice:
    return Notice(
        recipient=company.users[persona],
        kind="deadline.overdue",
        title="已逾期:拜访报告",
        body="请尽快提交",
        link="/customers/1/",
    )


@pytest.fixture
def policy():  # type: ignore[no-untyped-def]
    from zhike.policy.loader import parse_policy

    return parse_policy(ROUTED)


def send_all() -> list[int]:
    return deliver(list(Delivery.objects.values_list("id", flat=True)))


def test_ntf_2_wecom_robot_receives_its_markdown_payload(
    company: Company, policy, robot_server, settings
) -> None:
    settings.ZHIKE_BASE_URL = "https://crm.example.cn"
    url, recorder = robot_server
    RobotChannel.objects.create(
        name="销售群", kind="wecom", webhook_url=f"{url}/cgi-bin/webhook/send?key=abc"
    )
    notify_many([overdue_notice(company)], policy=policy)
    assert send_all() == []
    assert recorder.received == [
        (
            "/cgi-bin/webhook/send?key=abc",
            {
                "msgtype": "markdown",
                "markdown": {
                    "content": "**已逾期:拜访报告**\n请尽快提交\n"
                    "[查看详情](https://crm.example.cn/customers/1/)"
                },
            },
        )
    ]


def test_ntf_2_dingtalk_robot_signed_url_and_payload(
    company: Company, policy, robot_server, settings
) -> None:
    settings.ZHIKE_BASE_URL = "https://crm.example.cn"
    url, recorder = robot_server
    secret = "SEC0123456789abcdef"
    RobotChannel.objects.create(
        name="客服群",
        kind="dingtalk",
        secret=secret,
        webhook_url=f"{url}/robot/send?access_token=tok",
    )
    notify_many([overdue_notice(company)], policy=policy)
    assert send_all() == []
    ((path, body),) = recorder.received
    assert body == {
        "msgtype": "markdown",
        "markdown": {
            "title": "已逾期:拜访报告",
            "text": "#### 已逾期:拜访报告\n\n请尽快提交\n\n"
            "[查看详情](https://crm.example.cn/customers/1/)",
        },
    }
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["tok"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_ntf_2_failing_endpoint_is_retried_without_duplicates(
    company: Company, policy, robot_server
) -> None:
    url, recorder = robot_server
    RobotChannel.objects.create(name="群", kind="wecom", webhook_url=f"{url}/hook")
    notify_many([overdue_notice(company, "alice"), overdue_notice(company, "bob")], policy=policy)
    recorder.fail_next = 1
    failed = send_all()
    assert len(failed) == 1 and len(recorder.received) == 1
    assert Delivery.objects.get(pk=failed[0]).state == DeliveryState.FAILED
    assert retryable_deliveries() == failed
    # The retry job runs over *all* deliveries again: the sent one is not sent twice.
    assert send_all() == []
    assert len(recorder.received) == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert send_all() == [] and len(recorder.received) == 2


def test_ntf_2_email_in_chinese_and_preferences_respected(company: Company, policy) -> None:
    company.users["alice"].email = "alice@example.cn"
    company.users["alice"].save()
    company.users["bob"].email = "bob@example.cn"
    company.users["bob"].save()
    NotificationPreference.objects.create(user=company.users["bob"], email=False)
    notify_many([overdue_notice(company, "alice"), overdue_notice(company, "bob")], policy=policy)
    send_all()
    assert [m.to for m in mail.outbox] == [["alice@example.cn"]]
    assert mail.outbox[0].subject == "【知客】已逾期:拜访报告"


def test_ntf_2_routes_come_from_the_policy(company: Company, policy) -> None:
    RobotChannel.objects.create(name="群", kind="wecom", webhook_url="http://127.0.0.1:9/x")
    notify_many(
        [Notice(recipient=company.users["alice"], kind="other.kind", title="x")], policy=policy
    )
    assert not Delivery.objects.exists()  # default channels: in-app only


def test_ntf_2_department_robot_only_for_its_members(company: Company, policy) -> None:
    RobotChannel.objects.create(
        name="二部群",
        kind="wecom",
        webhook_url="http://127.0.0.1:9/x",
        department=company.departments["sales2"],
    )
    notify_many([overdue_notice(company, "alice"), overdue_notice(company, "bob")], policy=policy)
    assert list(Delivery.objects.values_list("notice__recipient__username", flat=True)) == ["bob"]


def test_ntf_2_deliveries_are_queued_only_after_commit(
    company: Company, policy, django_capture_on_commit_callbacks
) -> None:
    RobotChannel.objects.create(name="群", kind="wecom", webhook_url="http://127.0.0.1:9/x")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_many([overdue_notice(company)], policy=policy)
    assert len(callbacks) == 1
    assert Delivery.objects.get().state == DeliveryState.PENDING
