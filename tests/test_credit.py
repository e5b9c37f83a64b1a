"""CRD-1…CRD-3: s003-12's credit rule worked through at its edges — the 30-day window's
first and last day, a shipment exactly at the limit, first over-limit shipments just under
and at a third of the limit, the month's second and third, last year's balance open
(issue 16)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from zhike.credit import selectors, services
from zhike.credit.errors import CreditError, PermissionDenied
from zhike.credit.models import Shipment
from zhike.policy.loader import PolicyError, load_policy, parse_policy
from zhike.trade.errors import TradeError
from zhike.trade.services import LineInput, invoice_create, order_create, payment_record
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = load_policy("auto-dealer")  # s003-12: credit on
TZ = ZoneInfo("Asia/Shanghai")
SHIP_ON = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
HEADER = (
    '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\nextends = "auto-dealer"\n'
)


@pytest.fixture
def eligible(company: Company) -> Company:
    """Customer A with a complete archive, a signed contract and 30,000 invoiced in the 30
    days before SHIP_ON (10-21 … 11-19), all paid: limit 30,000, nothing exposed."""
    customer = company.customers["A"]
    customer.address, customer.uscc = "北京市海淀区中关村大街 1 号", "91110108MA01AAAA0X"
    customer.save(update_fields=["address", "uscc"])
    order_create(
        by=company.users["alice"],
        customer_id=customer.pk,
        number="HT-1",
        signed_on=date(2026, 10, 1),
        lines=[LineInput("轿车", "整车", Decimal(1), "台", Decimal("200000"))],
        policy=POLICY,
    )
    for number, day, amount in [
        ("FP-1", date(2026, 10, 21), "10000"),
        ("FP-2", date(2026, 11, 19), "20000"),
    ]:
        invoice_create(
            policy=POLICY,
            by=company.users["fin"],
            customer_id=customer.pk,
            number=number,
            issued_on=day,
            amount=Decimal(amount),
            payment_days=30,
        )
    payment_record(
        by=company.users["fin"],
        customer_id=customer.pk,
        received_on=SHIP_ON,
        amount=Decimal("30000"),
    )
    return company


def ship(company: Company, number: str, amount: str, **extra) -> Shipment:  # type: ignore[no-untyped-def]
    return services.shipment_create(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        number=number,
        amount=Decimal(amount),
        shipped_on=extra.pop("on", SHIP_ON),
        policy=POLICY,
        now=NOW,
        **extra,
    )


def test_crd_2_the_window_is_the_30_days_before_the_shipping_date(eligible: Company) -> None:
    customer = eligible.customers["A"]
    limit = selectors.limit_on
    assert limit(customer.pk, SHIP_ON, grade="", policy=POLICY.credit) == Decimal("30000")
    # A day later the first day (10-21) has left the window; the limit rolls daily.
    assert limit(
        customer.pk, SHIP_ON + timedelta(days=1), grade="", policy=POLICY.credit
    ) == Decimal("20000")
    # The shipping day's own invoices are not "before" it.
    assert limit(customer.pk, date(2026, 11, 19), grade="", policy=POLICY.credit) == Decimal(
        "10000"
    )
    # Reproducible for any past day.
    assert limit(customer.pk, date(2026, 10, 21), grade="", policy=POLICY.credit) == Decimal(0)


def test_crd_3_a_shipment_exactly_at_the_limit_ships(eligible: Company) -> None:
    shipment = ship(eligible, "FH-1", "30000")
    assert (shipment.state, shipment.outcome) == ("shipped", "within")
    assert (shipment.limit, shipment.exposure) == (Decimal("30000"), Decimal(0))


def test_crd_3_first_over_limit_just_under_a_third_waits_for_the_regional_manager(
    eligible: Company,
) -> None:
    ship(eligible, "FH-1", "30000")
    over = ship(eligible, "FH-2", "9999.99")  # < 30,000 / 3
    assert (over.state, over.outcome) == ("pending", "first_over")
    request = ApprovalRequest.objects.get(kind="credit_over_limit", object_id=over.pk)
    assert list(request.steps.get().candidates.values_list("username", flat=True)) == ["mgr"]
    approval_act(
        request_id=request.pk,
        by=eligible.users["mgr"],
        action="approve",
        comment="同意",
        policy=POLICY,
        now=NOW,
    )
    over.refresh_from_db()
    assert over.state == "shipped"


def test_crd_3_first_over_limit_at_a_third_is_refused_and_nothing_saved(eligible: Company) -> None:
    ship(eligible, "FH-1", "30000")
    with pytest.raises(CreditError) as caught:
        ship(eligible, "FH-2", "10000")  # = 30,000 / 3: not "less than"
    assert "三分之一" in caught.value.message or "1/3" in caught.value.message
    assert Shipment.objects.count() == 1 and not ApprovalRequest.objects.exists()


def test_crd_3_the_months_second_over_limit_names_who_is_liable_and_the_third_is_refused(
    eligible: Company,
) -> None:
    ship(eligible, "FH-1", "30000")
    ship(eligible, "FH-2", "5000")
    with pytest.raises(CreditError) as caught:
        ship(eligible, "FH-3", "5000")
    assert caught.value.field == "liable_id"
    last = ship(eligible, "FH-3", "5000", liable_id=eligible.users["sup"].pk)
    assert (last.outcome, last.liable) == ("last_over", eligible.users["sup"])
    with pytest.raises(CreditError) as third:
        ship(eligible, "FH-4", "100")
    assert "本月超授信额发货已达 2 次" in third.value.message
    # Prepaid, it ships with its repayment plan (s003-12 2.2.3).
    prepaid = ship(eligible, "FH-4", "100", prepaid=True, repayment_plan="12 月 10 日前回款")
    assert prepaid.outcome == "prepaid"


def test_crd_3_an_approval_is_for_its_own_shipment_only(eligible: Company) -> None:
    ship(eligible, "FH-1", "30000")
    first = ship(eligible, "FH-2", "5000")
    request = ApprovalRequest.objects.get(object_id=first.pk, kind="credit_over_limit")
    approval_act(
        request_id=request.pk,
        by=eligible.users["mgr"],
        action="approve",
        comment="同意",
        policy=POLICY,
        now=NOW,
    )
    second = ship(eligible, "FH-3", "5000", liable_id=eligible.users["sup"].pk)
    assert second.state == "pending"  # its own signature, not the first one's
    assert ApprovalRequest.objects.filter(object_id=second.pk, kind="credit_over_limit").exists()


def test_crd_3_a_rejected_over_limit_shipment_frees_its_headroom(eligible: Company) -> None:
    ship(eligible, "FH-1", "25000")
    over = ship(eligible, "FH-2", "9000")  # 34,000 > 30,000; 9,000 < a third
    request = ApprovalRequest.objects.get(object_id=over.pk, kind="credit_over_limit")
    approval_act(
        request_id=request.pk,
        by=eligible.users["mgr"],
        action="reject",
        comment="不同意",
        policy=POLICY,
        now=NOW,
    )
    over.refresh_from_db()
    assert over.state == "cancelled"
    assert ship(eligible, "FH-3", "5000").outcome == "within"  # 25,000 + 5,000


def test_crd_1_last_years_open_balance_means_cash_first(eligible: Company) -> None:
    customer = eligible.customers["A"]
    invoice_create(
        policy=POLICY,
        by=eligible.users["fin"],
        customer_id=customer.pk,
        number="FP-OLD",
        issued_on=date(2025, 12, 20),
        amount=Decimal("800"),
        payment_days=30,
    )
    # Nothing is left of the payment to settle it: last year's invoice stays open.
    with pytest.raises(CreditError) as caught:
        ship(eligible, "FH-1", "100")
    assert "上年度货款未清零" in caught.value.message and "现金" in caught.value.message
    assert (
        ship(eligible, "FH-1", "100", prepaid=True, repayment_plan="现金提货").outcome == "prepaid"
    )


def test_crd_1_an_incomplete_archive_or_no_contract_means_no_credit(company: Company) -> None:
    with pytest.raises(CreditError) as caught:
        services.shipment_create(
            by=company.users["bob"],
            customer_id=company.customers["B"].pk,
            number="FH-B",
            amount=Decimal(100),
            shipped_on=SHIP_ON,
            policy=POLICY,
            now=NOW,
        )
    assert "客户档案不完整" in caught.value.message and "未签订业务合同" in caught.value.message


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_crd_3_zero_or_negative_amounts_are_refused(eligible: Company, amount: str) -> None:
    with pytest.raises(CreditError) as caught:
        ship(eligible, "FH-1", amount)
    assert caught.value.field == "amount" and Shipment.objects.count() == 0


def test_crd_3_a_blacklisted_customer_gets_no_shipment(eligible: Company) -> None:
    customer = eligible.customers["A"]
    customer.status = "blacklisted"
    customer.save(update_fields=["status"])
    with pytest.raises(TradeError):
        ship(eligible, "FH-1", "100")
    assert Shipment.objects.count() == 0


def test_crd_3_only_who_may_ship_and_only_their_customers(eligible: Company) -> None:
    from zhike.errors import CustomerNotFound

    with pytest.raises(PermissionDenied):
        services.shipment_create(
            by=eligible.users["cs"],
            customer_id=eligible.customers["A"].pk,
            number="FH-X",
            amount=Decimal(1),
            shipped_on=SHIP_ON,
            policy=POLICY,
            now=NOW,
        )
    with pytest.raises(CustomerNotFound):
        services.shipment_create(
            by=eligible.users["bob"],
            customer_id=eligible.customers["A"].pk,
            number="FH-X",
            amount=Decimal(1),
            shipped_on=SHIP_ON,
            policy=POLICY,
            now=NOW,
        )


def test_crd_exposure_counts_the_buckets_the_policy_names(eligible: Company) -> None:
    customer = eligible.customers["A"]
    shipment = ship(eligible, "FH-1", "12000")
    buckets = selectors.exposure_of(customer.pk, SHIP_ON, policy=POLICY.credit)
    assert buckets == {"receivables": Decimal(0), "shipped_not_invoiced": Decimal("12000")}
    invoice = invoice_create(
        policy=POLICY,
        by=eligible.users["fin"],
        customer_id=customer.pk,
        number="FP-3",
        issued_on=SHIP_ON,
        amount=Decimal("12000"),
        payment_days=30,
    )
    services.shipment_invoiced(
        by=eligible.users["fin"], shipment_id=shipment.pk, invoice_id=invoice.pk
    )
    buckets = selectors.exposure_of(customer.pk, SHIP_ON, policy=POLICY.credit)
    assert buckets == {"receivables": Decimal("12000"), "shipped_not_invoiced": Decimal(0)}
    ordered = parse_policy(
        HEADER + '[credit]\nexposure = ["ordered_not_shipped"]\n',
        "test",
    )
    # The 200,000 contract of 10-01 is inside the 90-day window, not yet shipped against.
    assert selectors.exposure_of(customer.pk, SHIP_ON, policy=ordered.credit) == {
        "ordered_not_shipped": Decimal("200000")
    }


def test_crd_2_a_policy_naming_an_unknown_bucket_is_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(
            HEADER + '[credit]\nexposure = ["receivables", "promises"]\n',
            "test",
        )
    assert "credit.exposure" in str(caught.value)


def test_crd_3_without_credit_in_the_policy_a_shipment_just_ships(company: Company) -> None:
    shipment = services.shipment_create(
        by=company.users["bob"],
        customer_id=company.customers["B"].pk,
        number="FH-G",
        amount=Decimal("99999"),
        shipped_on=SHIP_ON,
        policy=load_policy("general"),
        now=NOW,
    )
    assert (shipment.state, shipment.reason) == ("shipped", "制度未启用授信管理")


def test_crd_6_the_last_over_limit_shipments_money_is_due_by_month_end(eligible: Company) -> None:
    from zhike.workflow.models import Deadline

    ship(eligible, "FH-1", "30000")
    first = ship(eligible, "FH-2", "5000")
    last = ship(eligible, "FH-3", "5000", liable_id=eligible.users["sup"].pk)
    for shipment in (first, last):
        request = ApprovalRequest.objects.get(object_id=shipment.pk, kind="credit_over_limit")
        approval_act(
            request_id=request.pk,
            by=eligible.users["mgr"],
            action="approve",
            comment="同意",
            policy=POLICY,
            now=NOW,
        )
    deadline = Deadline.objects.get(rule="credit.over_limit_month_end")
    assert deadline.assignee == eligible.users["sup"] and "FH-3" in deadline.display_title
    assert deadline.due_at.astimezone(TZ) == datetime(2026, 11, 30, 18, 0, tzinfo=TZ)


def test_crd_6_bad_debts_shared_by_ratio_or_borne_by_the_liable(eligible: Company) -> None:
    from zhike.credit.losses import bad_debt_record

    customer = eligible.customers["A"]
    fin = eligible.users["fin"]
    ship(eligible, "FH-1", "30000")
    ship(eligible, "FH-2", "5000")
    last = ship(eligible, "FH-3", "5000", liable_id=eligible.users["sup"].pk)
    inside = invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-BD1",
        issued_on=SHIP_ON,
        amount=Decimal("1000"),
        payment_days=30,
    )
    debt = bad_debt_record(
        by=fin,
        invoice_id=inside.pk,
        amount=Decimal("1000"),
        reason="客户破产",
        policy=POLICY,
        now=NOW,
    )
    assert debt.shares == [
        {"user": eligible.users["alice"].pk, "role": "salesperson", "amount": "100.00"}
    ]
    with pytest.raises(CreditError):  # once per invoice
        bad_debt_record(
            by=fin, invoice_id=inside.pk, amount=Decimal("1"), reason="再次", policy=POLICY, now=NOW
        )
    with pytest.raises(CreditError) as caught:
        bad_debt_record(
            by=fin,
            invoice_id=inside.pk + 999,
            amount=Decimal("1"),
            reason="x",
            policy=POLICY,
            now=NOW,
        )
    assert caught.value.field == "invoice_id"
    invoice = invoice_create(
        policy=POLICY,
        by=fin,
        customer_id=customer.pk,
        number="FP-BD2",
        issued_on=SHIP_ON,
        amount=Decimal("5000"),
        payment_days=30,
    )
    Shipment.objects.filter(pk=last.pk).update(state="shipped")
    services.shipment_invoiced(by=fin, shipment_id=last.pk, invoice_id=invoice.pk)
    with pytest.raises(CreditError) as too_much:
        bad_debt_record(
            by=fin,
            invoice_id=invoice.pk,
            amount=Decimal("5001"),
            reason="x",
            policy=POLICY,
            now=NOW,
        )
    assert too_much.value.field == "amount"
    borne = bad_debt_record(
        by=fin, invoice_id=invoice.pk, amount=Decimal("5000"), reason="拒付", policy=POLICY, now=NOW
    )
    assert borne.shares == [{"user": eligible.users["sup"].pk, "role": "liable", "amount": "5000"}]
    with pytest.raises(PermissionDenied):
        bad_debt_record(
            by=eligible.users["alice"],
            invoice_id=invoice.pk,
            amount=Decimal(1),
            reason="x",
            policy=POLICY,
            now=NOW,
        )


also_in_a_real_transaction(
    globals(),
    test_crd_3_the_months_second_over_limit_names_who_is_liable_and_the_third_is_refused,
    test_crd_6_bad_debts_shared_by_ratio_or_borne_by_the_liable,
)
