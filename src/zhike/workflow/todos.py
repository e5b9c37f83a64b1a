"""待办 (NTF-1): a person's own to-dos beside the deadlines that rules open.

A rule's deadline (a visit report, an approval step, a data update…) closes only by the
action that fulfils it, never by a checkbox. A personal to-do — something the person
noted for themselves, with or without a customer — closes with one click and never
escalates."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from zhike.deferred import Deferred, stored_title
from zhike.errors import NotFound, RuleError
from zhike.org.models import User
from zhike.policy.schema import Policy

from .models import PERSONAL_RULE, Deadline, DeadlineState

PERSONAL = PERSONAL_RULE
TITLE_MAX = 200


class TodoError(RuleError):
    """A to-do was refused (no text, a time in the past, a rule's item ticked off…)."""


@transaction.atomic
def todo_add(
    *,
    by: User,
    title: str,
    due_at: datetime,
    now: datetime,
    policy: Policy,
    subject: Model | None = None,
    link: str = "",
) -> Deadline:
    """A personal to-do of ``by``, due at ``due_at``. The caller checks that ``subject``
    (a customer) is in the person's scope."""
    text = " ".join(title.split())
    problems = []
    if not text:
        problems.append(("title", _("请填写待办事项")))
    elif len(text) > TITLE_MAX:
        problems.append(("title", _("待办事项不能超过 %(n)s 字") % {"n": TITLE_MAX}))
    if due_at < now:
        problems.append(("due_at", _("到期时间不能早于现在")))
    if problems:
        raise TodoError.of_fields(problems)
    return Deadline.objects.create(
        rule=PERSONAL,
        title=text,
        link=link,
        content_type=ContentType.objects.get_for_model(subject) if subject else None,
        object_id=subject.pk if subject else None,
        assignee=by,
        due_at=due_at,
        next_escalation_at=None,  # a personal reminder is nobody else's business
        escalation="",
        policy_version=policy.policy.version,
    )


def reminder_open(
    *,
    rule: str,
    title: "str | Deferred",
    assignee: User,
    due_at: datetime,
    subject: Model,
    policy: Policy,
    link: str = "",
) -> Deadline:
    """A rule's reminder at a set time (a follow-up's next step, a planned visit): in the
    inbox like any deadline, closed by the work it names, and never escalated — nobody
    above has to chase a person's own plans."""
    return Deadline.objects.create(
        rule=rule,
        **stored_title(title),
        link=link,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        assignee=assignee,
        due_at=due_at,
        next_escalation_at=None,
        escalation="",
        policy_version=policy.policy.version,
    )


@transaction.atomic
def todo_done(*, by: User, todo_id: int, now: datetime) -> Deadline:
    """Tick off one of ``by``'s personal to-dos. Done twice is done once."""
    todo = Deadline.objects.select_for_update().filter(pk=todo_id, assignee=by).first()
    if todo is None:
        raise NotFound(_("待办不存在"))
    if todo.rule != PERSONAL:
        raise TodoError(_("该事项在办理相应业务后自动完成(例如提交拜访报告),不能直接勾销"))
    if todo.state == DeadlineState.OPEN:
        todo.state, todo.closed_at = DeadlineState.DONE, now
        todo.save(update_fields=["state", "closed_at"])
    return todo
