"""The demo company: departments, one user per seed role, ~2,000 customers."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhike.analytics.seeding import load_demo_analytics
from zhike.archive.coding import reserve_customer_codes
from zhike.archive.models import Customer
from zhike.archive.search import search_text
from zhike.archive.seeding import fake_customer
from zhike.credit.seeding import demo_credit_policy, load_demo_credit
from zhike.dates import months_before
from zhike.engagement.plans import open_plan_duties
from zhike.engagement.seeding import follow_ups_for
from zhike.engagement.services import follow_up_record
from zhike.grading.reviews import review_apply, review_compute, review_start
from zhike.grading.treatment import schedule_revisits
from zhike.org.models import Department, User
from zhike.org.services import department_create, ensure_roles, user_create
from zhike.ownership.seeding import load_demo_ownership
from zhike.policy.schema import Duration, Policy
from zhike.servicedesk.seeding import load_demo_service
from zhike.trade.seeding import seed_ledger
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
    codes = reserve_customer_codes(
        policy.archive.coding, today=timezone.localdate(now), count=customers
    )
    rows = []
    for code in codes:
        owner = rng.choices(owners, weights)[0] if rng.random() > 0.05 else None
        data = fake_customer(rng)
        person = data.pop("person")
        key = search_text(name=data["name"], person=person, phones=[data["phone"]])
        rows.append(
            Customer(
                code=code,
                search_text=key,
                owner=owner,
                department=owner.department if owner else None,
                created_by=owner or users["admin"],
                **data,
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
        Customer.objects.filter(pk__in=ids, owner__isnull=False).update(owned_since=moment)
    # A follow-up history: last contacts over the past 120 days, a follow-up at each.
    contacted = [c for c in created if c.owner_id and rng.random() < 0.6]
    for customer in contacted:
        customer.last_contact_at = now - timedelta(days=rng.randrange(120), hours=rng.randrange(9))
    Customer.objects.bulk_update(contacted, ["last_contact_at"], batch_size=500)
    follow_ups_for(per_customer=1.0, owners=owners)(contacted, rng)
    load_demo_workflow(users=users, customers=created, policy=policy, now=now)
    load_demo_grading(rng, users=users, customers=created, policy=policy, now=now)
    load_demo_ownership(rng, users=users, departments=departments, policy=policy, now=now)
    load_demo_service(rng, users=users, customers=created, policy=policy, now=now)
    load_demo_analytics(rng, users=users, setter=users["mgr1"], now=now)
    if not policy.credit.enabled and settings.ZHIKE_POLICY == "general":
        policy = demo_credit_policy(by=users["admin"], now=now)
    if policy.credit.enabled:
        load_demo_credit(rng, users=users, policy=policy, now=now)
    return users


def load_demo_grading(
    rng: random.Random,
    *,
    users: dict[str, User],
    customers: list[Customer],
    policy: Policy,
    now: datetime,
) -> None:
    """A two-year ledger, last half-year's review applied, and this one proposed."""
    seed_ledger(rng, [c.pk for c in customers], today=timezone.localdate(now))
    if policy.grading.score is None and policy.grading.tier is None:
        return
    manager = users["mgr1"]
    last = review_start(
        by=manager, policy=policy, period_end=months_before(timezone.localdate(now), 6), now=now
    )
    review_compute(review_id=last.pk, now=now)
    last.refresh_from_db()
    review_apply(review=last, now=now)
    # GRD-10 / ENG-5: this period's revisit duties, from the applied grades.
    schedule_revisits(policy=policy, today=timezone.localdate(now))
    current = review_start(by=manager, policy=policy, period_end=timezone.localdate(now), now=now)
    review_compute(review_id=current.pk, now=now)


def load_demo_workflow(
    *, users: dict[str, User], customers: list[Customer], policy: Policy, now: datetime
) -> None:
    """A few approvals in flight and due / overdue items, so every workbench has content."""
    by_owner: dict[int | None, list[Customer]] = {}
    for customer in customers:
        by_owner.setdefault(customer.owner_id, []).append(customer)

    def first_of(username: str, index: int = 0) -> Customer:
        return by_owner[users[username].pk][index]

    # A small demo (`--customers 0`) may leave a salesperson without customers: then there
    # is nothing to file approvals about.
    if any(len(by_owner.get(users[u].pk, [])) < 4 for u in ("sales1", "sales2", "sales3", "sup1")):
        return

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
    # Visits made days ago whose reports are due (ENG-4): real 拜访报告 deadlines that the
    # report closes; the sweep below escalates the overdue ones.
    for username, days_ago in [("sales1", 6), ("sales1", 0), ("sales3", 5)]:
        follow_up_record(
            by=users[username],
            customer_id=first_of(username, 1 if days_ago else 2).pk,
            kind="visit",
            content="上门拜访采购负责人,介绍新品,了解明年采购计划",
            outcome="客户有意向,要求报价",
            next_step="发送报价单",
            occurred_at=now - timedelta(days=days_ago, hours=2),
            now=now,
            policy=policy,
        )
    follow_up_record(
        by=users["sales1"],
        customer_id=first_of("sales1", 3).pk,
        kind="visit",
        planned=True,
        content="回访:确认样品试用情况",
        occurred_at=now + timedelta(days=1),
        now=now,
        policy=policy,
    )
    for username, days_ago, title in [
        ("sales2", 4, "客户资料更新"),
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
    # ENG-3: next month's visit plans are due (the daily job opens these duties).
    open_plan_duties(policy=policy, today=timezone.localdate(now))
    sweep_overdue(policy=policy, now=now)
