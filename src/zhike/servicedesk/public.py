"""The public complaint page's service (SRV-1): anyone may complain without an account,
a few times an hour per address; the answer is the complaint's number, and the number
with the phone shows its state (never its contents)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from zhike.archive.validators import InvalidIdentifier, clean_phone
from zhike.policy.schema import Policy
from zhike.throttle import hit

from .errors import ServiceError
from .models import Channel, Complaint
from .selectors import public_status
from .services import complaint_register

# A lookup by number and phone: generous for a person, useless for guessing numbers.
LOOKUPS_PER_HOUR = 30


class TooMany(ServiceError):
    code = "throttled"


@dataclass(frozen=True)
class PublicStatus:
    number: str
    state: str
    state_label: str
    received_at: datetime
    closed_at: datetime | None
    reply: str


def public_complaint(
    *,
    address: str,
    complainant: str,
    phone: str,
    content: str,
    demand: str,
    policy: Policy,
    now: datetime,
    email: str = "",
    reference: str = "",
) -> Complaint:
    if not policy.service.public_form:
        raise ServiceError(_("本公司未开通网上投诉"), field="service.public_form")
    if not hit(
        f"zhike:public-complaints:{address}", limit=policy.service.public_per_hour, window=3600
    ):
        raise TooMany(_("提交过于频繁,请稍后再试或拨打客服热线"))
    return complaint_register(
        by=None,
        channel=Channel.ONLINE,
        complainant=complainant,
        phone=phone,
        email=email,
        content=content,
        demand=demand,
        reference=reference,
        policy=policy,
        now=now,
    )


def public_lookup(*, address: str, number: str, phone: str) -> PublicStatus | None:
    if not hit(f"zhike:public-lookups:{address}", limit=LOOKUPS_PER_HOUR, window=3600):
        raise TooMany(_("查询过于频繁,请稍后再试"))
    try:
        phone = clean_phone(phone)
    except InvalidIdentifier:
        return None
    complaint = public_status(number, phone)
    if complaint is None:
        return None
    # The reply is shown once the complaint is closed (SRV-9: 处理结果反馈到客户).
    closed = complaint.closed_at is not None
    return PublicStatus(
        number=complaint.number or "",
        state=complaint.state,
        state_label=str(complaint.get_state_display()),
        received_at=complaint.received_at,
        closed_at=complaint.closed_at,
        reply=(complaint.reply or complaint.solution) if closed else "",
    )
