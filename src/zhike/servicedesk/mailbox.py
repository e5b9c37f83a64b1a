"""The complaint mailbox (SRV-1): a company's 企业邮箱 read by IMAP, each new mail a new
complaint, or a reply to one when its subject carries the complaint's number.

Reading is crash-safe: a mail is fetched without marking it (``BODY.PEEK``), handled in
one transaction that also records its key (``MailMessage.key``, unique), and only then
marked seen. A crash between the two re-reads it, finds the key and just marks it: never
two complaints. A mail that cannot be a complaint (no sender) is quarantined with its raw
message; an attachment over the policy's limit is not kept apart, but the raw mail is.
"""

import contextlib
import email
import email.policy
import imaplib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePath
from urllib.parse import unquote, urlsplit

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhike.policy.schema import Policy

from .common import CONTENT_MAX, record, tell
from .models import Complaint, ComplaintAttachment, MailMessage, MailOutcome
from .services import complaint_register

# A message larger than this is not a complaint but a mailbox flood: quarantined unparsed.
MESSAGE_MAX = 40 * 1024 * 1024


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    tls: bool = False


def mailbox_from_url(url: str) -> Mailbox:
    """imap://user:password@host:port/FOLDER (imaps:// for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError("mailbox URL must be imap://user:password@host:port/FOLDER")
    tls = parts.scheme == "imaps"
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not folder.isascii():
        # IMAP names folders in modified UTF-7, which imaplib does not encode: a Chinese
        # folder name would open another folder or none.
        raise ValueError("mailbox folder must be an ASCII name (INBOX, complaints …)")
    return Mailbox(
        host=parts.hostname,
        port=parts.port or (993 if tls else 143),
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=folder,
        tls=tls,
    )


class _Text(HTMLParser):
    """An HTML mail's text: tags dropped, script and style dropped with their content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()


def _decoded(part: EmailMessage) -> str:
    """A text part in its charset; an unknown or wrong charset (an old 企业邮箱's GB2312
    that is really GBK) falls back to GB18030, then UTF-8 with replacements."""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        for charset in ("gb18030", "utf-8"):
            try:
                return payload.decode(charset)
            except UnicodeDecodeError:
                continue
        return payload.decode("utf-8", errors="replace")


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    sender: str
    name: str
    subject: str
    body: str
    sent_at: datetime | None
    attachments: list[Attachment] = field(default_factory=list)
    message_id: str = ""


def parse_mail(raw: bytes) -> Parsed:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # the default policy always makes one
        raise TypeError("not an e-mail message")
    name, address = parseaddr(str(message.get("From", "")))
    subject = " ".join(str(message.get("Subject", "")).split())
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        text = _decoded(body_part)  # type: ignore[arg-type]
        body = html_to_text(text) if body_part.get_content_subtype() == "html" else text.strip()
    attachments = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""
        filename = PurePath(part.get_filename() or "attachment").name[-200:] or "attachment"
        attachments.append(Attachment(filename, part.get_content_type()[:100], data))
    try:
        sent_at = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    if sent_at is not None and sent_at.tzinfo is None:
        sent_at = None
    return Parsed(
        sender=address if "@" in address else "",
        name=name.strip()[:60],
        subject=subject[:300],
        body=body,
        sent_at=sent_at,
        attachments=attachments,
        message_id=str(message.get("Message-ID", "")).strip()[:250],
    )


@dataclass
class PollResult:
    complaints: int = 0
    replies: int = 0
    quarantined: int = 0
    already: int = 0


def _number_in(subject: str, policy: Policy) -> str | None:
    found = re.search(rf"{policy.service.number_prefix}\d{{14,}}", subject.upper())
    return found.group(0) if found else None


def _keep(complaint: Complaint, parsed: Parsed, policy: Policy) -> list[str]:
    """Store the attachments that fit the limit; the names of those that did not."""
    limit = policy.service.mail_attachment_max_mb * 1024 * 1024
    too_big = []
    for item in parsed.attachments:
        if len(item.data) > limit:
            too_big.append(item.name)
            continue
        attachment = ComplaintAttachment(
            complaint=complaint, name=item.name, content_type=item.content_type, size=len(item.data)
        )
        attachment.file.save(item.name, ContentFile(item.data), save=False)
        attachment.save()
    return too_big


def handle_mail(*, key: str, raw: bytes, policy: Policy, now: datetime) -> MailMessage | None:
    """Make one mail a complaint, a reply or a quarantined message, in one transaction
    with its key; None when the key was handled before."""
    with transaction.atomic():
        if MailMessage.objects.filter(key=key).exists():
            return None
        if len(raw) > MESSAGE_MAX:
            return _quarantine(key, raw, now, reason=_("邮件过大,未解析"))
        try:
            parsed = parse_mail(raw)
        except Exception:  # a message the parser cannot read at all: keep it for a person
            return _quarantine(key, raw, now, reason=_("邮件无法解析"))
        if not parsed.sender:
            return _quarantine(key, raw, now, reason=_("没有发件人地址"), parsed=parsed)
        number = _number_in(parsed.subject, policy)
        existing = Complaint.objects.filter(number=number).first() if number else None
        text = (parsed.body or parsed.subject or _("(无正文)"))[:CONTENT_MAX]
        if existing is not None:
            complaint, outcome = existing, MailOutcome.REPLY
            record(complaint, "mail", by=None, now=now, note=text, from_state=complaint.state)
            if complaint.handler is not None:
                tell(
                    [complaint.handler],
                    complaint,
                    gettext_noop("投诉 %(number)s 有客户来信"),
                    kind="complaint.mail",
                    policy=policy,
                )
        else:
            outcome = MailOutcome.COMPLAINT
            content = (
                f"{parsed.subject}\n\n{text}".strip()[:CONTENT_MAX] if parsed.subject else text
            )
            complaint = complaint_register(
                by=None,
                channel="email",
                complainant=parsed.name or parsed.sender.split("@")[0][:60],
                email=parsed.sender,
                content=content,
                demand="other",
                received_at=min(parsed.sent_at or now, now),
                policy=policy,
                now=now,
            )
        too_big = _keep(complaint, parsed, policy)
        mail = MailMessage(
            key=key,
            received_at=now,
            sender=parsed.sender,
            subject=parsed.subject,
            outcome=outcome,
            complaint=complaint,
        )
        if too_big:
            mail.reason = (_("附件过大未单独保存:%(names)s") % {"names": "、".join(too_big)})[:300]
            mail.raw.save(f"{complaint.number}.eml", ContentFile(raw), save=False)
        mail.save()
        return mail


def _quarantine(
    key: str, raw: bytes, now: datetime, *, reason: str, parsed: Parsed | None = None
) -> MailMessage:
    mail = MailMessage(
        key=key,
        received_at=now,
        sender=parsed.sender if parsed else "",
        subject=parsed.subject if parsed else "",
        outcome=MailOutcome.QUARANTINED,
        reason=reason,
    )
    mail.raw.save("quarantined.eml", ContentFile(raw), save=False)
    mail.save()
    return mail


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    client = (imaplib.IMAP4_SSL if mailbox.tls else imaplib.IMAP4)(
        mailbox.host, mailbox.port, timeout=30
    )
    client.login(mailbox.user, mailbox.password)
    status, _data = client.select(f'"{mailbox.folder}"')
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot open folder {mailbox.folder}")
    return client


def poll_mailbox(
    *, mailbox: Mailbox, policy: Policy, now: datetime, limit: int = 100
) -> PollResult:
    """Read up to ``limit`` unseen mails; each handled, then marked seen."""
    result = PollResult()
    client = _connect(mailbox)
    try:
        _s, validity = client.response("UIDVALIDITY")
        uidvalidity = (validity[0] or b"0").decode() if validity else "0"
        _s, found = client.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        uids = (found[0] or b"").split()[:limit]
        for uid in uids:
            _s, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            key = f"{mailbox.user}@{mailbox.host}/{mailbox.folder}:{uidvalidity}:{uid.decode()}"
            mail = handle_mail(key=key, raw=raw, policy=policy, now=now)
            if mail is None:
                result.already += 1
            elif mail.outcome == MailOutcome.COMPLAINT:
                result.complaints += 1
            elif mail.outcome == MailOutcome.REPLY:
                result.replies += 1
            else:
                result.quarantined += 1
            # Only now, with the complaint committed: a crash before this re-reads the mail.
            client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return result
