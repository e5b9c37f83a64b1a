"""The customer import's template (IMP-1): its Chinese columns (the export's headers), the
choice columns' labels, and the template file to download. Files are read by
``zhike.spreadsheets``; the import itself is ``archive.imports``.
"""

import io
from functools import lru_cache

from openpyxl import Workbook

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
