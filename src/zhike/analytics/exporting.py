"""A report as xlsx: the same numbers as the page and the API (ANA-3)."""

import re
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhike.archive.exporting import as_text

from .registry import Result


def write_xlsx(result: Result, target: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    # A sheet's name may not hold : \\ / ? * [ ] and has 31 characters at most.
    sheet = workbook.create_sheet(re.sub(r"[:\\/?*\[\]]", " ", result.title)[:31])
    sheet.append([result.title])
    for note in result.notes:
        sheet.append([note])
    sheet.append([])
    sheet.append(result.columns)
    for row in result.rows:
        sheet.append([as_text(sheet, v) if isinstance(v, str) else v for v in row])
    if not result.rows:
        sheet.append([_("没有数据")])
    workbook.save(target)
