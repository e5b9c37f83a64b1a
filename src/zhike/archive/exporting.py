"""Export of customer lists to xlsx (IMP-2): the user's scope and filters, phone masking
by the user's rights, streaming rows (openpyxl write-only mode keeps memory flat), and
cells that a spreadsheet would run as a formula written as text."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from zhike.org.models import User

from .models import CompanySize, Customer, CustomerStatus, CustomerType, SourceChannel
from .selectors import display_phone, with_display_names

# Cells starting with these are formulas (or DDE) to Excel, WPS and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "客户编码"),
    ("name", "客户名称"),
    ("customer_type", "客户类型"),
    ("status", "状态"),
    ("phone", "电话"),
    ("source", "客户来源"),
    ("industry", "行业"),
    ("size", "规模"),
    ("province", "省"),
    ("city", "市"),
    ("district", "区县"),
    ("address", "详细地址"),
    ("uscc", "统一社会信用代码"),
    ("owner_name", "负责人"),
    ("department_name", "所属部门"),
    ("last_contact_at", "最近联系"),
    ("updated_at", "更新时间"),
)
LABELS = {
    "customer_type": CustomerType,
    "status": CustomerStatus,
    "source": SourceChannel,
    "size": CompanySize,
}


def as_text(sheet: Any, value: Any) -> Any:
    """A text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) as a text
    cell: in xlsx a cell's type is stored with it, so no apostrophe is needed (it would
    show in Excel and come back with a re-import). Other values go as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def rows(user: User, queryset: QuerySet[Customer]) -> Iterator[list[Any]]:
    """Export rows in id order, fetched in chunks (no whole list in memory)."""
    full_phone = user.has_perm("archive.view_customer_phone")
    fields = [name for name, _label in COLUMNS]
    values = (
        with_display_names(queryset)
        .order_by("id")
        .values_list("owner_id", *fields)
        .iterator(chunk_size=2000)
    )
    for owner_id, *record in values:
        row = []
        for field, value in zip(fields, record, strict=True):
            if field in LABELS and value:
                value = str(LABELS[field](value).label)
            elif field == "phone":
                value = display_phone(value, full=full_phone or owner_id == user.pk)
            elif isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None)  # xlsx has no zones
            row.append(value)
        yield row


def write_xlsx(user: User, queryset: QuerySet[Customer], target: IO[bytes] | Path) -> int:
    """Write the export; returns the number of customers written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("客户"))
    sheet.append([_(label) for _name, label in COLUMNS])
    count = 0
    for row in rows(user, queryset):
        sheet.append([as_text(sheet, v) for v in row])
        count += 1
    workbook.save(target)
    return count
