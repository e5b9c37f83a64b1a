"""CRD-7: a payment refusal, recorded or inferred from the ledger, reports to every level at
once and stops credit shipments until finance clears it (s004; issue 16)."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zhike.credit import risk, services
from zhike.credit.errors import CreditError, PermissionDenied
from zhike.credit.models import RiskSignal
from zhike.policy.loader import active_policy, load_policy, parse_policy
from zhike.trade.services import LineInput, invoice_create, order_create
from zhike.workflow.models import Notice

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("auto-dealer")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = date(2026, 11, 20)


def test_crd_7_a_recorded_refusal_reports_to_every_level_and_stops_shipments(
    company: Company,
) -> None:
    customer = company.customers["A"]
    risk.risk_report(
        by=company.users["alice"],
        customer_id=customer.pk,
        note="客户称资金困难,拒付上月货款",
        policy=POLICY,
        now=NOW,
    )
    told = set(
        Notice.objects.filter(kind="credit.risk").values_list("recipient__username", flat=True)
    )
    assert told == {"alice", "sup", "mgr", "vp", "gm", "fin"}
    with pytest.raises(CreditError) as caught:
        services.shipment_create(
            by=company.users["alice"],
            customer_id=customer.pk,
            number="FH-R",
            amount=Decimal(100),
            shipped_on=TODAY,
            policy=POLICY,
            now=NOW,
        )
    assert "拒付风险" in caught.value.message
    with pytest.raises(CreditError):  # one open signal at a time
        risk.risk_report(
            by=company.users["alice"], customer_id=customer.pk, note="再次", policy=POLICY, now=NOW
        )
    with pytest.raises(PermissionDenied):
        risk.risk_clear(
            by=company.users["alice"], customer_id=customer.pk, reason="已回款", now=NOW
        )
    risk.risk_clear(by=company.users["fin"], customer_id=customer.pk, reason="已结清欠款", now=NOW)
    assert risk.open_signal(customer.pk) is None


def test_crd_7_a_likely_refusal_is_inferred_once_from_the_ledger(company: Company) -> None:
    customer = company.customers["A"]
    order_create(
        by=company.users["alice"],
        customer_id=customer.pk,
        number="HT-1",
        signed_on=date(2026, 8, 1),
        lines=[LineInput("轿车", "整车", Decimal(1), "台", Decimal("10000"))],
        policy=POLICY,
    )
    invoice_create(
        policy=POLICY,
        by=company.users["fin"],
        customer_id=customer.pk,
        number="FP-1",
        issued_on=date(2026, 8, 1),
        amount=Decimal("10000"),
        due_on=date(2026, 9, 1),
    )
    rule = parse_policy(
        '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\n'
        'extends = "auto-dealer"\n[credit]\nrefusal_overdue_days = 60\n',
        "test",
    )
    assert risk.sweep_refusals(policy=rule, today=date(2026, 10, 30), now=NOW) == 0  # 59 days
    assert risk.sweep_refusals(policy=rule, today=TODAY, now=NOW) == 1
    assert risk.sweep_refusals(policy=rule, today=TODAY + timedelta(days=1), now=NOW) == 0
    signal = RiskSignal.objects.get()
    assert signal.kind == "likely" and signal.by is None
    assert risk.sweep_refusals(policy=POLICY, today=TODAY, now=NOW) == 0  # the rule off


@pytest.fixture
def credit_on(settings: Any) -> Iterator[None]:
    settings.ZHIKE_POLICY = "auto-dealer"
    active_policy.cache_clear()
    yield
    active_policy.cache_clear()


def test_crd_7_api_and_page_report_and_clear(company: Company, credit_on: None) -> None:
    customer = company.customers["A"]
    url = f"/api/v1/credit/customers/{customer.pk}/risk"
    made = company.api("alice").post(url, {"note": "拒付"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["open"] is True
    assert (
        company.api("bob").post(url, {"note": "拒付"}, content_type="application/json").status_code
        == 404
    )
    assert (
        company.api("alice")
        .post(f"{url}/clear", {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    page = company.client("fin").get(f"/credit/customers/{customer.pk}/ship/").content.decode()
    assert "拒付" in page and "解除" in page
    cleared = company.client("fin").post(
        f"/credit/customers/{customer.pk}/ship/", {"action": "clear", "reason": "已结清"}
    )
    assert cleared.status_code == 302 and risk.open_signal(customer.pk) is None


also_in_a_real_transaction(
    globals(),
    test_crd_7_a_recorded_refusal_reports_to_every_level_and_stops_shipments,
    test_crd_7_a_likely_refusal_is_inferred_once_from_the_ledger,
)
