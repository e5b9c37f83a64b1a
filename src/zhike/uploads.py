"""What an uploaded file is, checked before any app keeps it (follow-up photos and files,
admission and credit evidence): within the size the policy allows, and an image Pillow
can read or one of the office formats people send customers, by its first bytes where
the format has a signature (a renamed .exe is neither a photo nor a PDF)."""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from zhike.errors import RuleError

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


class UploadRefused(RuleError):
    """The file is too large or of a kind not kept; ``field`` is ``file``."""


@dataclass(frozen=True)
class Accepted:
    name: str  # the file's own name, without any directory, at most 200 characters
    content_type: str
    is_image: bool
    size: int


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


def accept(upload: UploadedFile, *, max_mb: int, photo: bool = False) -> Accepted:
    """The checked file, or :class:`UploadRefused` with the reason in Chinese.
    ``photo``: it must be an image."""
    if upload.size is None or upload.size > max_mb * 1024 * 1024:
        raise UploadRefused(_("文件不能超过 %(n)s MB") % {"n": max_mb}, field="file")
    name = PurePath(upload.name or "file").name[-200:]
    image = _image_format(upload)
    if image is not None:
        return Accepted(name, IMAGE_FORMATS[image], True, upload.size)
    if photo:
        raise UploadRefused(_("照片须为 JPEG、PNG、WebP 或 GIF 图片"), field="file")
    found = _document_type(upload, PurePath(name).suffix.lower())
    if found is None:
        raise UploadRefused(
            _("只能上传图片或 PDF、Word、Excel、PowerPoint、文本文件"), field="file"
        )
    return Accepted(name, found, False, upload.size)
