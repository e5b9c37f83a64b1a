"""Complaints for the demo: one in every state of the workflow, from the hotline, the
public page and a visit, a major one, one paused waiting for the customer and one overdue
— through the services and the approval engine, so the history reads as a real one."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from zhike.archive.models import Customer
from zhike.org.models import User
from zhike.policy.schema import Policy
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest

from . import major, services
from .reports import open_monthly_report, report_prepare, report_publish, report_sign
from .sweep import sweep_targets

# (channel, complainant, content, demand, category, how far it goes, triggers)
CASES: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "online",
        "陈先生",
        "网上下单的货物三天未发出,客服电话一直占线。",
        "criticism",
        "",
        "registered",
        (),
    ),
    (
        "hotline",
        "刘女士",
        "新买的空气净化器运行时有明显异响。",
        "exchange",
        "product_quality",
        "classified",
        (),
    ),
    (
        "visit",
        "赵经理",
        "安装师傅迟到三个小时且没有提前通知。",
        "criticism",
        "service_quality",
        "assigned",
        (),
    ),
    (
        "hotline",
        "孙先生",
        "维修后同一问题再次出现,要求退货。",
        "return",
        "after_sales",
        "investigated",
        (),
    ),
    (
        "email",
        "周女士",
        "发票抬头开错,多次联系未处理。",
        "other",
        "service_quality",
        "proposed",
        (),
    ),
    (
        "hotline",
        "吴先生",
        "送货司机态度恶劣,货物放在门口就走。",
        "criticism",
        "service_quality",
        "closed",
        (),
    ),
    (
        "call_centre",
        "郑女士",
        "产品批次质量问题,已向媒体反映。",
        "compensation",
        "product_quality",
        "assigned",
        ("media",),
    ),
    ("box", "王先生", "建议周末延长售后服务时间。", "criticism", "suggestion", "paused", ()),
)


def load_demo_service(
    rng: random.Random,
    *,
    users: dict[str, User],
    customers: list[Customer],
    policy: Policy,
    now: datetime,
) -> None:
    agent, manager, gm = users["cs1"], users["crm1"], users["gm"]
    with_phone = [c for c in customers if c.phone][:40]
    for i, (channel, who, content, demand, category, goal, triggers) in enumerate(CASES):
        # Spread over the last working days; the first two are older, so one is overdue.
        received = now - timedelta(days=len(CASES) - i, hours=rng.randrange(1, 6))
        customer = with_phone[i] if i % 2 == 0 and with_phone else None
        complaint = services.complaint_register(
            by=None if channel == "online" else agent,
            channel=channel,
            complainant=who,
            phone=customer.phone if customer else f"139{rng.randrange(10**7, 10**8)}",
            content=content,
            demand=demand,
            triggers=list(triggers),
            received_at=received,
            policy=policy,
            now=received,
        )
        step = received + timedelta(hours=1)
        if goal == "registered":
            continue
        services.complaint_accept(
            by=manager, complaint_id=complaint.pk, category=category, policy=policy, now=step
        )
        if goal == "classified":
            continue
        services.complaint_assign(
            by=manager, complaint_id=complaint.pk, handler_id=agent.pk, policy=policy, now=step
        )
        if complaint.major:
            major.complaint_crisis_meeting(
                by=manager,
                complaint_id=complaint.pk,
                now=step,
                minutes="总经理召集危机处理小组:技术部当日检测同批次产品,客服部统一对外口径。",
            )
        if goal == "paused":
            services.complaint_pause(
                by=agent,
                complaint_id=complaint.pk,
                reason="等待客户补充照片",
                policy=policy,
                now=step,
            )
            continue
        if goal == "assigned":
            continue
        services.complaint_investigate(
            by=agent,
            complaint_id=complaint.pk,
            cause="配送外包司机未按规定送货上门",
            responsible_department_id=users["prod1"].department_id,
            policy=policy,
            now=step,
        )
        if goal == "investigated":
            continue
        services.complaint_propose(
            by=agent,
            complaint_id=complaint.pk,
            solution="向客户道歉,补送上门并赠送保养券",
            policy=policy,
            now=step,
        )
        if goal == "proposed":
            continue
        request = ApprovalRequest.objects.get(kind=services.APPROVAL_KIND, object_id=complaint.pk)
        for approver in (manager, gm):
            approval_act(
                request_id=request.pk,
                by=approver,
                action="approve",
                comment="同意",
                policy=policy,
                now=step,
            )
        services.complaint_notify(
            by=agent, complaint_id=complaint.pk, note="电话告知客户,客户接受", now=step
        )
        services.complaint_survey(by=agent, complaint_id=complaint.pk, satisfaction=4, now=step)
        services.complaint_close(
            by=agent,
            complaint_id=complaint.pk,
            summary="外包配送未执行送货上门规定",
            corrective="道歉并补送",
            preventive="配送合同增加送货上门条款与考核",
            policy=policy,
            now=step,
        )
    sweep_targets(policy=policy, now=now)  # what is overdue by now is escalated once
    # Last month's report, prepared and signed: the board has something to show.
    report = open_monthly_report(policy=policy, today=timezone.localdate(now))
    if report is not None:
        report_prepare(
            by=manager,
            report_id=report.pk,
            policy=policy,
            now=now,
            summary="投诉主要集中在配送与安装环节,已与外包配送商约谈并修订合同条款。",
        )
        report_sign(by=gm, report_id=report.pk, policy=policy, now=now)
        report_publish(by=manager, report_id=report.pk, now=now)
