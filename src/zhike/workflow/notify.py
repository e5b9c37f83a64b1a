"""Notices into the inbox (NTF-1) and their delivery over e-mail and group robots (NTF-2).

A notice is written in the caller's transaction. Its deliveries are rows too, sent by a job
after commit: each delivery is claimed with a compare-and-set before sending, so a retry
or a second worker never sends a delivered message again.
"""

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhike.deferred import Deferred, stored_title
from zhike.jobs import send_now
from zhike.org.models import User
from zhike.policy.schema import Policy

from .channels import ChannelError, dingtalk_payload, dingtalk_signed_url, post_json, wecom_payload
from .models import Delivery, DeliveryState, Notice, NotificationPreference, RobotChannel

MAX_ATTEMPTS = 5


def _channels_for(kind: str, policy: Policy | None) -> set[str]:
    if policy is None:
        return {"inapp"}
    routes = policy.notifications.routes
    return set(routes.get(kind, policy.notifications.default_channels))


def notify_people(
    people: Iterable[User],
    *,
    kind: str,
    title: str | Deferred,
    link: str,
    policy: Policy | None,
    body: str = "",
) -> list[Notice]:
    """The same notice (title in each reader's language, body, link) to each of ``people``."""
    fields = stored_title(title)
    return notify_many(
        [Notice(recipient=p, kind=kind, link=link, body=body, **fields) for p in people],
        policy=policy,
    )


def notify_many(notices: Iterable[Notice], *, policy: Policy | None = None) -> list[Notice]:
    """Put notices into their recipients' inboxes and queue their external deliveries,
    by the policy's routes and each person's preferences. A handful of statements for any
    number of notices."""
    created = Notice.objects.bulk_create(list(notices), batch_size=1000)
    wanted = {n.kind: _channels_for(n.kind, policy) for n in created}
    if not any(channels - {"inapp"} for channels in wanted.values()):
        return created
    recipient_ids = {n.recipient_id for n in created}
    # (email address, department) per recipient and (email, robot) preferences: plain
    # tuples, since this runs for every notice of a sweep.
    users = dict(
        (pk, (email, department_id))
        for pk, email, department_id in User.objects.filter(pk__in=recipient_ids).values_list(
            "pk", "email", "department_id"
        )
    )
    prefs = {
        user_id: (email, robot)
        for user_id, email, robot in NotificationPreference.objects.filter(
            user__in=recipient_ids
        ).values_list("user_id", "email", "robot")
    }
    robots = list(RobotChannel.objects.filter(active=True).values_list("pk", "department_id"))
    deliveries = []
    for notice in created:
        channels = wanted[notice.kind]
        email, department_id = users[notice.recipient_id]
        wants_email, wants_robot = prefs.get(notice.recipient_id, (True, True))
        if "email" in channels and wants_email and email:
            deliveries.append(Delivery(notice=notice, channel="email"))
        if "robot" in channels and wants_robot:
            for robot_id, robot_department in robots:
                if robot_department in (None, department_id):
                    deliveries.append(Delivery(notice=notice, channel="robot", robot_id=robot_id))
    if deliveries:
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


# (recipient id, kind, title, title_text, link): a notice as a sweep writes it.
NoticeRow = tuple[int, str, str, Any, str]
_ROW_COLUMNS = ("recipient_id", "kind", "title", "title_text", "body", "link", "created_at")


def notify_rows(rows: Sequence[NoticeRow], *, policy: Policy | None = None) -> int:
    """:func:`notify_many` for a sweep's many notices: when every kind goes to the inbox
    only, the rows are written without model instances (COPY on PostgreSQL, executemany
    elsewhere); a kind routed to e-mail or a robot takes notify_many's way."""
    if not rows:
        return 0
    if any(_channels_for(kind, policy) - {"inapp"} for kind in {r[1] for r in rows}):
        notify_many(
            [
                Notice(recipient_id=r[0], kind=r[1], title=r[2], title_text=r[3], link=r[4])
                for r in rows
            ],
            policy=policy,
        )
        return len(rows)
    now = timezone.now()
    table, columns = Notice._meta.db_table, ", ".join(_ROW_COLUMNS)
    values = [(r[0], r[1], r[2], json.dumps(r[3], ensure_ascii=False), "", r[4], now) for r in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(_ROW_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608
    return len(rows)


def _enqueue(ids: list[int], chunk: int = 500) -> None:
    for start in range(0, len(ids), chunk):
        send_now("workflow.deliver", ids[start : start + chunk])


def absolute(link: str) -> str:
    return f"{settings.ZHIKE_BASE_URL.rstrip('/')}{link}" if link.startswith("/") else link


def _send(delivery: Delivery) -> None:
    notice = delivery.notice
    link = absolute(notice.link)
    if delivery.channel == "email":
        body = f"{notice.body}\n\n{link}" if link else notice.body
        send_mail(f"【知客】{notice.title}", body, None, [notice.recipient.email])
        return
    robot = delivery.robot
    if robot is None:
        raise ChannelError("robot channel removed")
    if robot.kind == RobotChannel.Kind.WECOM:
        post_json(robot.webhook_url, wecom_payload(title=notice.title, body=notice.body, link=link))
    else:
        url = robot.webhook_url
        if robot.secret:
            url = dingtalk_signed_url(
                url, secret=robot.secret, timestamp_ms=int(time.time() * 1000)
            )
        post_json(url, dingtalk_payload(title=notice.title, body=notice.body, link=link))


def deliver(delivery_ids: Sequence[int]) -> list[int]:
    """Send the given deliveries that are still pending or failed; returns the ids that
    failed and may be retried. Never blocks a request: it runs in a job."""
    failed = []
    for delivery_id in delivery_ids:
        claimed = Delivery.objects.filter(
            Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.FAILED),
            pk=delivery_id,
            attempts__lt=MAX_ATTEMPTS,
        ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1)
        if not claimed:
            continue  # sent already, being sent by another worker, or given up
        delivery = Delivery.objects.select_related("notice__recipient", "robot").get(pk=delivery_id)
        try:
            _send(delivery)
        except Exception as exc:  # any failure: record it and let the job retry
            Delivery.objects.filter(pk=delivery_id).update(
                state=DeliveryState.FAILED, last_error=str(exc)[:2000]
            )
            failed.append(delivery_id)
        else:
            Delivery.objects.filter(pk=delivery_id).update(
                state=DeliveryState.SENT, sent_at=timezone.now(), last_error=""
            )
    return failed


def retryable_deliveries(limit: int = 1000) -> list[int]:
    """Failed deliveries with attempts left (the periodic retry picks these up)."""
    return list(
        Delivery.objects.filter(state=DeliveryState.FAILED, attempts__lt=MAX_ATTEMPTS)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
