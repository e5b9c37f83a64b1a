"""Import of customers from xlsx and CSV (IMP-1).

Reading streams (openpyxl read-only, CSV line by line), so memory stays flat for large
files. CSV encodings: what Chinese Excel writes (GB18030/GBK) or UTF-8 with or without
BOM. Generic charset guessers misread short Chinese files, so the rule is simple and
exact: a UTF-8 BOM means UTF-8; otherwise the whole file is tried as strict UTF-8 and, at
the first invalid byte, read as GB18030 (a superset of GBK and GB2312).

Rows are validated by the same rules as the form (services.clean_customer_data) and matched to
existing customers so that a second import of the same file updates, never duplicates:
by customer code, then USCC, then name + phone.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from .models import CompanySize, CustomerStatus, CustomerType, SourceChannel

# Template columns: header → field. The same Chinese headers as the export.
COLUMNS: dict[str, str] = {
    "客户编码": "code",
    "客户名称": "name",
    "客户类型": "customer_type",
    "状态": "status",
    "电话": "phone",
    "客户来源": "source",
    "推荐人": "referrer_name",
    "行业": "industry",
    "规模": "size",
    "省": "province",
    "市": "city",
    "区县": "district",
    "详细地址": "address",
    "统一社会信用代码": "uscc",
}
REQUIRED = ("name",)
# Choice columns accept the Chinese label or the stored value.
CHOICES = {
    "customer_type": CustomerType,
    "status": CustomerStatus,
    "source": SourceChannel,
    "size": CompanySize,
}
MAX_ROWS = 1_000_000


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    data: dict[str, str] = field(default_factory=dict)


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers come back as 1.39e10
    return str(value).strip()


def _cells(path: Path, filename: str) -> Iterator[list[str]]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        # python-calamine (Rust) reads xlsx ~10x faster than openpyxl; it holds the sheet's
        # cell values in memory (tens of MB for 100,000 rows), not Python objects per cell.
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            values_iter = sheet.iter_rows()
        except Exception as exc:  # calamine raises its own error types for a broken file
            raise ImportFileError("无法读取该 Excel 文件,请确认是 .xlsx 格式且未损坏") from exc
        for cells in values_iter:
            yield [_cell_text(v) for v in cells]
    elif suffix == ".csv":
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            for texts in csv.reader(handle):
                yield [t.strip() for t in texts]
    else:
        raise ImportFileError("只支持 .xlsx 和 .csv 文件")


@dataclass
class Layout:
    header: list[str]
    fields: list[str | None]
    ignored: list[str]  # headers that map to no field

    def column_of(self, field_name: str) -> str:
        for header, name in zip(self.header, self.fields, strict=True):
            if name == field_name:
                return header
        return field_name


def read_rows(
    path: Path,
    filename: str,
    mapping: dict[str, str] | None = None,
    *,
    columns: dict[str, str] = COLUMNS,
    required: tuple[str, ...] = REQUIRED,
) -> tuple[Layout, Iterator[ParsedRow]]:
    """The file's layout and its data rows as {field: text}. ``columns`` maps template
    headers to fields (the customer template by default; the ledger passes its own);
    ``mapping`` maps the file's own headers where they differ from the template's."""
    cells = _cells(path, filename)
    try:
        header = next(cells)
    except StopIteration:
        raise ImportFileError("文件是空的") from None
    names = {**columns, **{f: f for f in columns.values()}, **(mapping or {})}
    fields = [names.get(h.strip()) for h in header]
    labels = {f: h for h, f in columns.items()}
    missing = [labels.get(f, f) for f in required if f not in fields]
    if missing:
        raise ImportFileError(f"缺少“{'”“'.join(missing)}”列;请使用导入模板或指定列对应关系")
    ignored = [h for h, f in zip(header, fields, strict=True) if h and f is None]

    def rows() -> Iterator[ParsedRow]:
        for number, values in enumerate(cells, start=2):
            if number - 1 > MAX_ROWS:
                raise ImportFileError(f"一次最多导入 {MAX_ROWS:,} 行")
            if not any(values):
                continue  # blank lines are ignored
            data = {f: v for f, v in zip(fields, values, strict=False) if f and v != ""}
            yield ParsedRow(row=number, data=data)

    return Layout(header=header, fields=fields, ignored=ignored), rows()


@lru_cache(maxsize=256)
def label_to_value(field_name: str, text: str) -> str:
    """A choice column's cell: the Chinese label (企业客户) or the value (enterprise).
    Cached: a file repeats a handful of labels a hundred thousand times."""
    for value, label in CHOICES[field_name].choices:
        if text in (value, str(label)):
            return str(value)
    return text  # left as is: validation reports it


def template_xlsx() -> bytes:
    """The import template: Chinese headers and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "客户"
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "",
            "河北纪元光电有限公司",
            "企业客户",
            "潜在客户",
            "0311-85551234",
            "展会活动",
            "",
            "制造业",
            "中型",
            "河北省",
            "石家庄市",
            "长安区",
            "中山东路 1 号",
            "",
        ]
    )
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
