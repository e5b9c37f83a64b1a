"""Sending to external channels (NTF-2): e-mail and the WeCom / DingTalk group robots.

Payload builders are pure; ``post_json`` does the HTTP with the standard library.
WeCom: https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明)
DingTalk: https://open.dingtalk.com/document/robots/custom-robot-access (自定义机器人, 加签)
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ChannelError(Exception):
    """The channel refused or could not be reached; the delivery will be retried."""


def wecom_payload(*, title: str, body: str, link: str) -> dict[str, Any]:
    """企业微信群机器人 markdown message."""
    lines = [f"**{title}**"]
    if body:
        lines.append(body)
    if link:
        lines.append(f"[查看详情]({link})")
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def dingtalk_payload(*, title: str, body: str, link: str) -> dict[str, Any]:
    """钉钉自定义机器人 markdown message (its ``title`` shows in the conversation list)."""
    text = f"#### {title}\n\n{body}" if body else f"#### {title}"
    if link:
        text += f"\n\n[查看详情]({link})"
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def dingtalk_signed_url(url: str, *, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HmacSHA256 of "timestamp\\nsecret" keyed by the secret, Base64,
    URL-encoded, appended as ``timestamp`` and ``sign``."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign}"


def post_json(url: str, payload: dict[str, Any], *, timeout: float = 10) -> None:
    """POST ``payload``; both robots answer HTTP 200 with ``{"errcode": 0}`` on success."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 — URLs come from the admin's robot setup
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError(str(exc)) from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise ChannelError(f"not JSON: {body[:200]!r}") from exc
    if answer.get("errcode", 0) != 0:
        raise ChannelError(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")
