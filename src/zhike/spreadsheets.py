"""Reading spreadsheets people bring: xlsx and CSV, streamed row by row (IMP-1 and every
later import: contracts, invoices, payments, …).

CSV encodings: what Chinese Excel writes (GB18030/GBK) or UTF-8 with or without BOM.
Generic charset guessers misread short Chinese files, so the rule is simple and exact: a
UTF-8 BOM means UTF-8; otherwise the whole file is tried as strict UTF-8 and, at the first
invalid byte, read as GB18030 (a superset of GBK and GB2312). A file that is neither
(a binary renamed .csv) is refused with a message, not an exception.

A cell that zhike's own older exports guarded against formula injection ('=SUM…) is read
without its apostrophe, so that re-importing an export changes nothing.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

DEFAULT_MAX_ROWS = 1_000_000
# What a formula guard looks like: an apostrophe before what a spreadsheet would run.
_GUARDED = re.compile("^'(?=[=+\\-@\t\r])")


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


def strip_formula_guard(text: str) -> str:
    return _GUARDED.sub("", text)


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers come back as 1.39e10
    return strip_formula_guard(str(value).strip())


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
        yield from _csv_cells(path)
    else:
        raise ImportFileError("只支持 .xlsx 和 .csv 文件")


def _csv_cells(path: Path) -> Iterator[list[str]]:
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            for texts in csv.reader(handle):
                yield [strip_formula_guard(t.strip()) for t in texts]
    except (UnicodeDecodeError, csv.Error):
        raise ImportFileError(
            "无法识别该文件的内容:请在 Excel 中另存为 xlsx,或 UTF-8 / GBK 编码的 CSV"
        ) from None


def read_rows(
    path: Path,
    filename: str,
    mapping: dict[str, str] | None = None,
    *,
    columns: dict[str, str],
    required: tuple[str, ...],
    max_rows: int = DEFAULT_MAX_ROWS,
) -> tuple[Layout, Iterator[ParsedRow]]:
    """The file's layout and its data rows as {field: text}. ``columns`` maps template
    headers to fields; ``mapping`` maps the file's own headers where they differ."""
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
            if number - 1 > max_rows:
                raise ImportFileError(f"一次最多导入 {max_rows:,} 行")
            if not any(values):
                continue  # blank lines are ignored
            data = {f: v for f, v in zip(fields, values, strict=False) if f and v != ""}
            yield ParsedRow(row=number, data=data)

    return Layout(header=header, fields=fields, ignored=ignored), rows()
