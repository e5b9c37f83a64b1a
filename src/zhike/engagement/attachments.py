"""A follow-up's photos and files, through Django's storage API (ENG-6).

A photo must be an image Pillow can read (a renamed .exe is not a photo); other files are
the office formats people send customers. The size limit is the policy's."""

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.policy.schema import Policy

from .errors import EngagementError, NotFound, PermissionDenied
from .models import Attachment, FollowUp

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".txt": "text/plain",
}
DOCUMENT_MAGIC = {".pdf": b"%PDF", ".docx": b"PK", ".xlsx": b"PK", ".pptx": b"PK"}


def _image_format(upload: UploadedFile) -> str | None:
    """The image's format when Pillow recognises and verifies it, else None."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        upload.seek(0)
    return found if found in IMAGE_FORMATS else None


def _document_type(upload: UploadedFile, suffix: str) -> str | None:
    expected = DOCUMENT_TYPES.get(suffix)
    magic = DOCUMENT_MAGIC.get(suffix)
    if expected is None:
        return None
    if magic is not None:
        upload.seek(0)
        head = upload.read(len(magic))
        upload.seek(0)
        if head != magic:
            return None
    return expected


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
    limit_mb = policy.engagement.attachment_max_mb
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise EngagementError(_("文件不能超过 %(n)s MB") % {"n": limit_mb}, field="file")
    name = PurePath(upload.name or "file").name[-200:]
    image = _image_format(upload)
    if image is not None:
        content_type = IMAGE_FORMATS[image]
    elif photo:
        raise EngagementError(_("照片须为 JPEG、PNG、WebP 或 GIF 图片"), field="file")
    else:
        found = _document_type(upload, PurePath(name).suffix.lower())
        if found is None:
            raise EngagementError(
                _("只能上传图片或 PDF、Word、Excel、PowerPoint、文本文件"), field="file"
            )
        content_type = found
    attachment = Attachment(
        follow_up=follow_up,
        name=name,
        size=upload.size,
        content_type=content_type,
        is_image=image is not None,
        by=by,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
