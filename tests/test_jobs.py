"""ARC-6 data-quality sweep as a job: policy-driven, idempotent, safe in parallel, and run
by a real Celery worker against Redis when Redis is reachable."""

import os
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.archive.services import customer_update, sweep_stale_customers
from zhike.policy.loader import load_policy as _load_policy
from zhike.policy.loader import parse_policy
from zhike.workflow.models import Notice

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import Company, build_company

POLICY = _load_policy("general")


def age(customer: Customer, days: int) -> None:
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now() - timedelta(days=days))


def policy_with_days(days: int):  # type: ignore[no-untyped-def]
    return parse_policy(f"""
[policy]
name = "t"
version = "t"
effective_date = 2026-01-01
[archive.data_quality]
stale_after_days = {days}
""")


def test_arc_6_owner_told_of_records_not_updated_for_n_days(
    company: Company, general_policy
) -> None:
    age(company.customers["A"], 31)
    age(company.customers["B"], 29)
    reported = sweep_stale_customers(policy=general_policy, now=timezone.now())
    assert reported == 1
    (notice,) = Notice.objects.all()
    assert notice.recipient == company.users["alice"]
    assert notice.title == "1 个客户超过 30 天未更新资料"
    assert notice.link == "/customers/?stale=1"


def test_arc_6_n_comes_from_the_policy(company: Company) -> None:
    age(company.customers["A"], 8)
    assert sweep_stale_customers(policy=policy_with_days(30), now=timezone.now()) == 0
    assert sweep_stale_customers(policy=policy_with_days(7), now=timezone.now()) == 1


def test_arc_6_sweep_is_idempotent_and_reports_again_after_the_next_stale_spell(
    company: Company, general_policy
) -> None:
    customer = company.customers["A"]
    age(customer, 40)
    now = timezone.now()
    assert sweep_stale_customers(policy=general_policy, now=now) == 1
    assert sweep_stale_customers(policy=general_policy, now=now) == 0
    assert Notice.objects.count() == 1
    customer_update(
        policy=POLICY, by=company.users["alice"], customer_id=customer.pk, data={"name": "更新"}
    )
    later = now + timedelta(days=31)
    sweep_stale_customers(policy=general_policy, now=later)
    customer.refresh_from_db()
    assert customer.stale_notified_at == later
    assert Notice.objects.filter(recipient=company.users["alice"]).count() == 2


def test_arc_6_unowned_pool_customers_are_not_reported(company: Company, general_policy) -> None:
    age(company.customers["P"], 400)
    assert sweep_stale_customers(policy=general_policy, now=timezone.now()) == 0


def test_arc_6_stale_filter_on_the_list_page(company: Company) -> None:
    age(company.customers["A"], 31)
    page = company.client("gm").get("/customers/?stale=1")
    assert company.customers["A"].code in page.text
    assert company.customers["B"].code not in page.text


class ParallelSweepTests(RealTransactionTestCase):
    def test_arc_6_two_sweeps_at_once_report_each_record_once(self) -> None:
        company = build_company()
        for key in "ABE":
            age(company.customers[key], 60)
        policy = policy_with_days(30)
        now = timezone.now()
        counts: list[int] = []

        errors = run_in_threads(
            4, lambda i: counts.append(sweep_stale_customers(policy=policy, now=now))
        )

        self.assertEqual(errors, [])
        self.assertEqual(sum(counts), 3)
        self.assertEqual(Notice.objects.count(), 3)  # one per owner: alice, bob, carol


def _forget_connections(app) -> None:  # type: ignore[no-untyped-def]
    """Celery keeps the connection pool of the broker it first sent to: a job queued
    earlier in the test run (memory://) would make this test send to memory, not Redis."""
    app._pool = None
    app.amqp._producer_pool = None


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.redis
@pytest.mark.skipif(
    not redis_reachable() and not os.environ.get("ZHIKE_REQUIRE_REDIS"),
    reason="Redis is not reachable on 127.0.0.1:6379 (CI sets ZHIKE_REQUIRE_REDIS=1)",
)
class RedisWorkerTests(RealTransactionTestCase):
    """A real Celery worker consuming from Redis runs the sweep (the production setup)."""

    def test_arc_6_sweep_runs_on_a_real_worker_over_redis(self) -> None:
        from celery.contrib.testing.worker import start_worker

        from zhike.archive.tasks import sweep_stale_customers_task
        from zhike.celery import app

        company = build_company()
        age(company.customers["A"], 90)
        url = "redis://127.0.0.1:6379/15"
        old = {k: app.conf[k] for k in ("broker_url", "broker_transport_options")}
        app.conf.update(broker_url=url, broker_transport_options={})
        _forget_connections(app)
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
                sweep_stale_customers_task.delay()
                deadline = time.monotonic() + 30
                while not Notice.objects.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            app.conf.update(old)
            _forget_connections(app)
        notice = Notice.objects.get()
        self.assertEqual(notice.recipient, company.users["alice"])


def test_arc_6_sweep_on_demand_is_enqueued_only_after_commit(
    company: Company, django_capture_on_commit_callbacks
) -> None:
    from unittest import mock

    from zhike.celery import app

    with mock.patch.object(app, "send_task") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = company.api("arch").post("/api/v1/customers/data-quality-sweep")
        assert response.status_code == 202
        send.assert_not_called()  # nothing leaves before the commit
        assert len(callbacks) == 1
        callbacks[0]()  # the commit
        send.assert_called_once_with("archive.sweep_stale_customers", args=[])
    # The name is a registered task: a typo would queue a job no worker runs.
    app.loader.import_default_modules()  # as a worker does (autodiscovery)
    assert "archive.sweep_stale_customers" in app.tasks


def test_jobs_every_name_services_queue_is_a_registered_task(db: None) -> None:
    """Services queue by name (zhike.jobs); each name must be one of the tasks. Celery's
    Django fix-up runs the system checks on import, as a worker does, and they read the
    database's features: alone on an xdist worker, nothing else has opened it yet."""
    import re
    from pathlib import Path

    from zhike.celery import app

    app.loader.import_default_modules()
    root = Path(__file__).resolve().parent.parent / "src" / "zhike"
    names = {
        name
        for path in root.rglob("*.py")
        for name in re.findall(r'(?:enqueue|send_now)\(\s*"([\w.]+)"', path.read_text("utf-8"))
    }
    assert names >= {"archive.run_export", "archive.run_import", "grading.compute_review"}
    assert names <= set(app.tasks)


def test_arc_6_sweep_on_demand_needs_the_right(company: Company) -> None:
    response = company.api("alice").post("/api/v1/customers/data-quality-sweep")
    assert response.status_code == 403
    assert response.json()["message"] == "您没有执行资料更新检查的权限"


def test_jobs_sent_after_commit_outside_pytest() -> None:
    """`zhike` and wsgi import the package before choosing a settings module: the Celery
    app must still make DjangoTask jobs (``delay_on_commit``), or every queued job fails."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "import zhike; from zhike.celery import app; print(hasattr(app.Task, 'delay_on_commit'))"
    result = subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"
