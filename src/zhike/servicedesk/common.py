"""What every complaint operation shares: text checks, the history row, notices, the
locked read with the table's check, and who may act (SRV-4)."""

from datetime import datetime

from django.utils.translation import gettext as _

from zhike.deferred import deferred, stored_title
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.text import has_control_characters
from zhike.workflow.models import Notice
from zhike.workflow.notify import notify_many

from .errors import PermissionDenied, ServiceError
from .models import Complaint, ComplaintEvent
from .selectors import MANAGE, complaint_for
from .transitions import Action, NotAllowed, State, next_state

CONTENT_MAX = 5000
TEXT_MAX = 2000


def clean_text(value: str, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写此项"), field=field)
    if len(value) > limit:
        raise ServiceError(_("内容过长(最多 %(n)s 字)") % {"n": limit}, field=field)
    if has_control_characters(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ServiceError(_("不能包含控制字符"), field=field)
    return value


def record(
    complaint: Complaint,
    action: str,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    from_state: str = "",
) -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        from_state=from_state,
        to_state=complaint.state,
        by=by,
        at=now,
        note=note,
    )


def tell(
    recipients: list[User], complaint: Complaint, message: str, *, kind: str, policy: Policy
) -> None:
    seen: set[int] = set()
    notices = []
    for person in recipients:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        notices.append(
            Notice(
                recipient=person,
                kind=kind,
                link=f"/service/complaints/{complaint.pk}/",
                **stored_title(deferred(message, number=complaint.number or "")),
            )
        )
    notify_many(notices, policy=policy)


def person(user_id: int, field: str) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise ServiceError(_("没有这个员工"), field=field)
    return person


def locked(by: User, complaint_id: int) -> Complaint:
    """The complaint, locked for this transaction; 404 outside the caller's scope."""
    complaint_for(by, complaint_id)
    return Complaint.objects.select_for_update().get(pk=complaint_id)


def allowed(complaint: Complaint, action: Action) -> State:
    """Refuse at once when ``action`` does not apply in the complaint's state (before its
    fields are checked: "cannot close" says more than "summary is required")."""
    try:
        return next_state(complaint.state, action)
    except NotAllowed:
        raise ServiceError(
            _("投诉当前为“%(state)s”,不能%(action)s")
            % {"state": State(complaint.state).label, "action": action.label},
            field="state",
        ) from None


def move(
    complaint: Complaint,
    action: Action,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    to: State | None = None,
) -> None:
    """Apply ``action`` if the table allows it here (``to``: a different allowed target)."""
    target = to or allowed(complaint, action)
    before = complaint.state
    complaint.state = target
    complaint.save()
    record(complaint, action, by=by, now=now, note=note, from_state=before)


def may_manage(by: User) -> None:
    if not by.has_perm(MANAGE):
        raise PermissionDenied(_("您没有受理、分派投诉的权限"))


def may_work(by: User, complaint: Complaint) -> None:
    """The handler works the complaint; a manager may act for them. The person the
    complaint is about never does (SRV-4)."""
    if complaint.accused_id == by.pk:
        raise PermissionDenied(_("被投诉人不能处理本投诉"))
    if complaint.handler_id != by.pk and not by.has_perm(MANAGE):
        raise PermissionDenied(_("只有处理人或投诉主管可以操作"))
