"""The demo company: departments, one user per seed role, ~2,000 customers."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhike.archive.coding import reserve_customer_codes
from zhike.archive.models import Customer, CustomerStatus, CustomerType
from zhike.archive.search import search_text
from zhike.org.models import Department, User
from zhike.org.services import department_create, ensure_roles, user_create
from zhike.policy.schema import Duration, Policy
from zhike.workflow.approvals import approval_act, approval_submit
from zhike.workflow.deadlines import deadline_open, sweep_overdue

DEMO_PASSWORD = "zhike-demo"  # noqa: S105 — the documented demo password

# (username, display name, department code, roles)
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("gm", "王总", "hq", ("general_manager",)),
    ("vp", "李副总", "marketing", ("vice_president",)),
    ("mgr1", "张经理", "sales1", ("sales_manager",)),
    ("sup1", "刘主管", "sales1", ("supervisor",)),
    ("sales1", "陈晓明", "sales1", ("salesperson",)),
    ("sales2", "杨丽", "sales1", ("salesperson",)),
    ("sales3", "赵强", "sales2", ("salesperson",)),
    ("cs1", "孙静", "service", ("service_agent",)),
    ("crm1", "周敏", "service", ("crm_manager",)),
    ("fin1", "吴芳", "finance", ("finance",)),
    ("tech1", "郑工", "tech", ("technical",)),
    ("prod1", "冯师傅", "production", ("production",)),
    ("arch1", "何档案", "office", ("archivist",)),
    ("office1", "许主任", "east", ("office_director",)),
)

DEPARTMENTS = (  # (code, name, parent code)
    ("hq", "总公司", None),
    ("marketing", "营销中心", "hq"),
    ("sales1", "销售一部", "marketing"),
    ("sales2", "销售二部", "marketing"),
    ("east", "华东办事处", "marketing"),
    ("service", "客户服务部", "hq"),
    ("finance", "财务部", "hq"),
    ("tech", "技术部", "hq"),
    ("production", "生产部", "hq"),
    ("office", "办公室", "hq"),
)

CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "天津",
    "重庆",
    "成都",
    "杭州",
    "南京",
    "武汉",
    "西安",
    "郑州",
    "长沙",
    "济南",
    "青岛",
    "苏州",
    "合肥",
    "福州",
    "厦门",
    "沈阳",
    "石家庄",
    "太原",
    "昆明",
    "南宁",
]
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
]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "贸易商行", "实业有限公司"]
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
]


def demo_customer_name(rng: random.Random) -> tuple[str, bool]:
    """A company name, or a person's name (True) for an individual customer."""
    if rng.random() < 0.15:
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", "", "先生", "女士"]), True
    return rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(TRADES) + rng.choice(FORMS), False


def demo_phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "186", "135", "152", "177"]) + f"{rng.randrange(10**8):08d}"


@transaction.atomic
def load_demo(*, policy: Policy, customers: int = 2000, seed: int = 2026) -> dict[str, User]:
    """Create the demo company. Deterministic for a given seed."""
    rng = random.Random(seed)  # noqa: S311 — demo data, not secrets
    ensure_roles()
    departments: dict[str, Department] = {}
    for code, name, parent in DEPARTMENTS:
        departments[code] = department_create(
            name=name, code=code, parent=departments[parent] if parent else None
        )
    users = {
        "admin": user_create(
            username="admin", password=DEMO_PASSWORD, display_name="系统管理员", is_superuser=True
        )
    }
    for username, display, dept, roles in DEMO_USERS:
        users[username] = user_create(
            username=username,
            password=DEMO_PASSWORD,
            display_name=display,
            department=departments[dept],
            roles=roles,
        )
    owners = [users[u] for u in ("sales1", "sales2", "sales3", "sup1", "mgr1", "office1")]
    weights = [30, 25, 25, 8, 4, 8]
    now = timezone.now()
    codes = reserve_customer_codes(policy.archive.coding, today=now.date(), count=customers)
    statuses = [s for s in CustomerStatus.values if s != CustomerStatus.BLACKLISTED]
    rows = []
    for code in codes:
        owner = rng.choices(owners, weights)[0] if rng.random() > 0.05 else None
        name, person = demo_customer_name(rng)
        phone = demo_phone(rng)
        rows.append(
            Customer(
                code=code,
                name=name,
                customer_type=CustomerType.INDIVIDUAL if person else CustomerType.ENTERPRISE,
                search_text=search_text(name=name, person=person, code=code, phones=[phone]),
                phone=phone,
                status=rng.choice(statuses),
                owner=owner,
                department=owner.department if owner else None,
                created_by=owner or users["admin"],
            )
        )
    created = Customer.objects.bulk_create(rows, batch_size=500)
    # Spread the last update over the past 90 days, so lists and the data-quality sweep
    # have something to show: one UPDATE per day, not per customer.
    by_age: dict[int, list[int]] = {}
    for customer in created:
        by_age.setdefault(rng.randrange(90), []).append(customer.pk)
    for days, ids in by_age.items():
        moment = now - timedelta(days=days, hours=rng.randrange(24))
        Customer.objects.filter(pk__in=ids).update(updated_at=moment, created_at=moment)
    load_demo_workflow(users=users, customers=created, policy=policy, now=now)
    return users


def load_demo_workflow(
    *, users: dict[str, User], customers: list[Customer], policy: Policy, now: datetime
) -> None:
    """A few approvals in flight and due / overdue items, so every workbench has content."""
    by_owner: dict[int | None, list[Customer]] = {}
    for customer in customers:
        by_owner.setdefault(customer.owner_id, []).append(customer)

    def first_of(username: str, index: int = 0) -> Customer:
        return by_owner[users[username].pk][index]

    report = approval_submit(
        kind="new_customer_report",
        subject=first_of("sales1"),
        by=users["sales1"],
        title=f"新开发客户报告:{first_of('sales1').name}",
        policy=policy,
        now=now,
    )
    approval_submit(
        kind="reception_expense",
        subject=first_of("sales2"),
        by=users["cs1"],
        title=f"客户接待申请:{first_of('sales2').name}",
        amount=Decimal("2400"),
        policy=policy,
        now=now,
    )
    approval_submit(
        kind="development_application",
        subject=first_of("sales3"),
        by=users["sales3"],
        title=f"客户开发申请:{first_of('sales3').name}",
        policy=policy,
        now=now,
    )
    approval_act(
        request_id=report.pk,
        by=users["sup1"],
        action="approve",
        comment="资料齐全,同意。",
        policy=policy,
        now=now,
    )
    for username, days_ago, title in [
        ("sales1", 6, "拜访报告"),
        ("sales1", 0, "拜访报告"),
        ("sales2", 4, "客户资料更新"),
        ("sales3", 5, "拜访报告"),
        ("sup1", 0, "月度拜访计划审核"),
    ]:
        customer = first_of(username, 1)
        deadline_open(
            title=f"{title}:{customer.name}",
            assignee=users[username],
            start=now - timedelta(days=days_ago),
            within=Duration(working_days=2),
            policy=policy,
            rule="demo",
            subject=customer,
            link=f"/customers/{customer.pk}/",
        )
    sweep_overdue(policy=policy, now=now)
