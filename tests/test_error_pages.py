"""Error pages a user may meet, in their language with a way back; no traceback in the demo
or in the log for a client's error (issue 13 item 19)."""

import logging

import pytest
from django.test import Client, override_settings

from .conftest import Company


def test_web_404_is_a_chinese_page_with_a_way_back(company: Company) -> None:
    page = company.client("alice").get("/customers/987654321/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "页面不存在" in text and "回到工作台" in text
    assert "URLconf" not in text and "Traceback" not in text


def test_web_403_is_a_chinese_page_with_a_way_back(company: Company) -> None:
    page = company.client("tech").get("/trade/import/")  # technical staff enter no ledger
    assert page.status_code == 403
    assert "没有权限" in page.content.decode()
    assert "回到工作台" in page.content.decode()


def test_web_error_pages_in_english_for_an_english_reader(company: Company) -> None:
    client = company.client("alice")
    client.cookies["django_language"] = "en"
    page = client.get("/customers/987654321/")
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()


def test_web_500_page_says_what_happened_without_a_trace(company: Company, monkeypatch) -> None:
    from zhike.web import views

    def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail")

    monkeypatch.setattr(views, "inbox_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(company.users["alice"])
    page = client.get("/")
    assert page.status_code == 500
    text = page.content.decode()
    assert "出错了" in text and "secret detail" not in text


def test_web_the_demo_profile_shows_no_debug_pages() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhike.settings.dev"}
    env.pop("ZHIKE_DEBUG", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@override_settings(DEBUG=False)
def test_web_a_403_is_logged_without_a_traceback(
    company: Company, caplog: pytest.LogCaptureFixture
) -> None:
    from zhike.logscrub import NoTracebackForClientErrors

    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Forbidden", (), None)
    try:
        raise PermissionError("x")
    except PermissionError:
        import sys

        record.exc_info = sys.exc_info()
    record.status_code = 403
    NoTracebackForClientErrors().filter(record)
    assert record.exc_info is None
    server = logging.LogRecord("django.request", logging.ERROR, "", 0, "boom", (), None)
    server.exc_info = (RuntimeError, RuntimeError("x"), None)
    server.status_code = 500
    NoTracebackForClientErrors().filter(server)
    assert server.exc_info is not None
