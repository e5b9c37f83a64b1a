"""A follow-up's photos and files, through Django's storage API (ENG-6), checked by
:mod:`zhike.uploads` within the policy's size limit."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.uploads import accept

from .errors import NotFound, PermissionDenied
from .models import Attachment, FollowUp


@transaction.atomic
def attachment_add(
    *, by: User, follow_up_id: int, upload: UploadedFile, policy: Policy, photo: bool = False
) -> Attachment:
    """Attach ``upload`` to one of ``by``'s follow-ups. ``photo``: it must be an image."""
    follow_up = FollowUp.objects.filter(pk=follow_up_id).first()
    if follow_up is None:
        raise NotFound(_("跟进记录不存在"))
    access_customer(by, follow_up.customer_id)
    if follow_up.by_id != by.pk:
        raise PermissionDenied(_("只能给自己的跟进记录添加附件"))
    file = accept(upload, max_mb=policy.engagement.attachment_max_mb, photo=photo)
    attachment = Attachment(
        follow_up=follow_up,
        name=file.name,
        size=file.size,
        content_type=file.content_type,
        is_image=file.is_image,
        by=by,
    )
    attachment.file.save(file.name, upload, save=False)
    attachment.save()
    return attachment
