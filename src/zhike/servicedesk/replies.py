"""Telling the complainant the outcome (SRV-9, s000: 处理结果由投诉接受部门反馈到客户):
an e-mail to the address the complaint came with, sent by a job after the closing commits;
the history records that it went. Without an address the handler's own 告知客户 step is
the record (a phone call)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .common import record
from .models import Complaint, ComplaintEvent


def tell_complainant(complaint_id: int) -> bool:
    """Send the outcome once; whether a mail went. The mail goes inside the transaction
    that records it, with the complaint locked: a failed send records nothing and the
    job's retry sends it; a second job finds the record and sends nothing."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
        if complaint is None or not complaint.email or complaint.closed_at is None:
            return False
        if ComplaintEvent.objects.filter(complaint=complaint, action="told").exists():
            return False
        outcome = complaint.reply or complaint.solution or complaint.summary
        with override(settings.LANGUAGE_CODE):
            subject = _("您的投诉 %(number)s 已处理完毕") % {"number": complaint.number}
            body = _(
                "您好,%(name)s:\n\n您的投诉 %(number)s 处理结果如下:\n\n%(outcome)s\n\n"
                "如有疑问,请直接回复本邮件(请保留主题中的投诉编号)。"
            ) % {"name": complaint.complainant, "number": complaint.number, "outcome": outcome}
        send_mail(subject, body, None, [complaint.email])
        record(complaint, "told", by=None, now=timezone.now(), note=complaint.email)
    return True
