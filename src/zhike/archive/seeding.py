"""Realistic fake customers in bulk, for demos and benchmarks (``zhike seed``).

Chinese company and person names, regions, phones, owners spread over the sales staff,
and follow-ups. Set-based: rows are built in memory in batches and bulk-inserted; the
pinyin of repeated name parts is cached, so a million customers take minutes.
"""

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone

from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.regions import provinces

from .coding import reserve_customer_codes
from .models import CompanySize, Customer, CustomerStatus, CustomerType, SourceChannel
from .search import search_text
from .validators import USCC_CHARSET, uscc_check_char

PROVINCES = {
    "北京市": ["北京市"],
    "上海市": ["上海市"],
    "广东省": ["广州市", "深圳市", "东莞市", "佛山市"],
    "浙江省": ["杭州市", "宁波市", "温州市"],
    "江苏省": ["南京市", "苏州市", "无锡市"],
    "河北省": ["石家庄市", "保定市", "唐山市"],
    "四川省": ["成都市", "绵阳市"],
    "重庆市": ["重庆市"],
    "山东省": ["济南市", "青岛市", "烟台市"],
    "湖北省": ["武汉市", "宜昌市"],
}
WORDS = [
    "华宏",
    "恒信",
    "金鼎",
    "瑞丰",
    "鑫源",
    "永昌",
    "中科",
    "博远",
    "天成",
    "东方",
    "新元",
    "汇通",
    "宏达",
    "正泰",
    "佳和",
    "长虹",
    "鼎盛",
    "兴业",
    "富康",
    "安泰",
    "创新",
    "百川",
    "嘉禾",
    "纪元",
    "海纳",
    "同创",
    "九州",
    "万象",
    "明德",
    "国泰",
    "重光",
    "长乐",
]
TRADES = [
    "光电",
    "机械",
    "电子",
    "建材",
    "化工",
    "物流",
    "商贸",
    "食品",
    "医药",
    "纺织",
    "汽车",
    "钢铁",
    "家具",
    "印务",
    "软件",
    "环保",
    "能源",
    "农业",
    "餐饮",
    "装饰",
    "科技",
    "贸易",
    "信息",
    "材料",
    "设备",
    "服装",
    "工程",
    "网络",
]
INDUSTRIES = (
    "制造业",
    "批发零售",
    "建筑业",
    "信息技术",
    "交通物流",
    "餐饮住宿",
    "医药卫生",
    "农业",
)
FORMS = ("有限公司", "股份有限公司", "有限责任公司", "贸易商行", "实业有限公司")
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
    "何",
    "郭",
    "马",
    "罗",
    "单",
    "曾",
    "解",
    "朴",
    "欧阳",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "重阳",
]
MOBILE_PREFIXES = ("138", "139", "186", "135", "152", "177", "189", "133")


def fake_customer(rng: random.Random) -> dict:
    province = rng.choice(list(PROVINCES))
    city = rng.choice(PROVINCES[province])
    person = rng.random() < 0.15
    if person:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        customer_type = CustomerType.INDIVIDUAL
    else:
        name = city.removesuffix("市") + rng.choice(WORDS) + rng.choice(TRADES) + rng.choice(FORMS)
        customer_type = CustomerType.ENTERPRISE
    return {
        "name": name,
        "person": person,
        "customer_type": customer_type,
        "province": province,
        "city": city,
        "phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        "industry": "" if person else rng.choice(INDUSTRIES),
        "size": "" if person else rng.choice(CompanySize.values),
        "source": rng.choice(SourceChannel.values),
        "status": rng.choice([s for s in CustomerStatus.values if s != "blacklisted"]),
    }


def fake_uscc(province: str, city: str, serial: int) -> str:
    """A valid-shaped USCC (GB 32100): 91 (a company registered with market regulation),
    the city's division code, an organisation code unique to ``serial``, the check char."""
    division = _division_code(province, city)
    org = ""
    for _ in range(9):
        serial, digit = divmod(serial, len(USCC_CHARSET))
        org = USCC_CHARSET[digit] + org
    first17 = f"91{division}{org}"
    return first17 + uscc_check_char(first17)


def _serial(code: str) -> int:
    """A number unique to a customer code (its digits: year and sequence)."""
    return int("".join(ch for ch in code if ch.isdigit()) or "0")


@cache
def _division_code(province: str, city: str) -> str:
    """The city's GB/T 2260 code as six digits (石家庄市 → 130100; 北京市 → 110100)."""
    for region in provinces():
        if region.name == province:
            match = region.child(city) or region.children[0]
            return match.code.ljust(6, "0")[:6]
    return "110100"


def _batches(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


def seed_customers(
    *,
    count: int,
    owners: list[User],
    policy: Policy,
    now: datetime,
    seed: int = 1,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    each_batch: Callable[[list[Customer], random.Random], None] | None = None,
) -> int:
    """Insert ``count`` customers in batches; returns the number made. ``each_batch`` adds
    what other apps keep about the new customers (follow-ups) in the batch's transaction."""
    rng = random.Random(seed)  # noqa: S311 — fake data
    made = 0
    for size in _batches(count, batch_size):
        with transaction.atomic():
            codes = reserve_customer_codes(
                policy.archive.coding, today=timezone.localdate(now), count=size
            )
            rows = []
            for code in codes:
                data = fake_customer(rng)
                person = data.pop("person")
                owner = rng.choice(owners) if rng.random() > 0.05 else None
                if not person:
                    data["uscc"] = fake_uscc(data["province"], data["city"], _serial(code))
                key = search_text(name=data["name"], person=person, phones=[data["phone"]])
                rows.append(
                    Customer(
                        code=code,
                        owner=owner,
                        department_id=owner.department_id if owner else None,
                        created_by=owner,
                        # Held for a year or two before the seed's contacts (OWN-1's clock).
                        owned_since=now - timedelta(days=200 + rng.randrange(500))
                        if owner
                        else None,
                        search_text=key,
                        last_contact_at=now - timedelta(days=rng.randrange(200)),
                        **data,
                    )
                )
            created = Customer.objects.bulk_create(rows, batch_size=batch_size)
            if each_batch is not None:
                each_batch(created, rng)
        made += size
        if progress:
            progress(made)
    return made
