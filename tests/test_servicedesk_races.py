"""The complaint register under concurrency: real transactions from threads, each with its
own connection, on SQLite and on PostgreSQL (issue 15)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zhike.policy.loader import load_policy
from zhike.servicedesk import services
from zhike.servicedesk.errors import ServiceError
from zhike.servicedesk.models import Complaint, ComplaintEvent, Target
from zhike.servicedesk.sweep import sweep_targets
from zhike.workflow.models import Notice

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import build_company

POLICY = load_policy("general")
NOW = datetime(2026, 11, 17, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CALLERS = 20


class ComplaintRaceTests(RealTransactionTestCase):
    def test_srv_1_twenty_parallel_registrations_get_twenty_numbers(self) -> None:
        company = build_company()
        agent = company.users["cs"]

        def register(i: int) -> None:
            services.complaint_register(
                by=agent,
                channel="hotline",
                complainant=f"来电{i}",
                phone=f"1390000{i:04d}",
                content="同一时刻的来电",
                demand="criticism",
                policy=POLICY,
                now=NOW,
            )

        self.assertEqual(run_in_threads(CALLERS, register), [])
        numbers = list(Complaint.objects.values_list("number", flat=True))
        self.assertEqual(len(numbers), CALLERS)
        self.assertEqual(len(set(numbers)), CALLERS)
        self.assertEqual(Target.objects.count(), 2 * CALLERS)

    def test_srv_4_twenty_managers_accepting_at_once_accept_it_once(self) -> None:
        company = build_company()
        complaint = services.complaint_register(
            by=company.users["cs"],
            channel="hotline",
            complainant="李先生",
            phone="13900001111",
            content="安装延误",
            demand="criticism",
            policy=POLICY,
            now=NOW,
        )
        refused: list[str] = []

        def accept(i: int) -> None:
            try:
                services.complaint_accept(
                    by=company.users["crm"],
                    complaint_id=complaint.pk,
                    category="service_quality",
                    policy=POLICY,
                    now=NOW,
                )
            except ServiceError as exc:
                refused.append(str(exc.field))

        self.assertEqual(run_in_threads(CALLERS, accept), [])
        self.assertEqual(refused, ["state"] * (CALLERS - 1))
        self.assertEqual(ComplaintEvent.objects.filter(action="accept").count(), 1)

    def test_srv_5_twenty_sweeps_at_once_escalate_each_breach_once(self) -> None:
        company = build_company()
        for i in range(5):
            services.complaint_register(
                by=company.users["cs"],
                channel="hotline",
                complainant=f"客户{i}",
                phone=f"1390001{i:04d}",
                content="超期测试",
                demand="criticism",
                policy=POLICY,
                now=NOW,
            )
        later = NOW + timedelta(days=10)
        errors = run_in_threads(CALLERS, lambda i: sweep_targets(policy=POLICY, now=later))
        self.assertEqual(errors, [])
        self.assertEqual(Target.objects.filter(breached_at__isnull=False).count(), 10)
        # Each breach told to the chain (crm, gm) once; no handler yet.
        self.assertEqual(Notice.objects.filter(kind="complaint.breached").count(), 10 * 2)
