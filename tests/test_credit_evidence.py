"""Issue 16's last items: eligibility attested with evidence (CRD-1), the check point as a
policy setting (CRD-3 at the order or the invoice), longer payment terms by approval
(CRD-2, s003-12 1.4.2), and over-limit shipments made without approval (CRD-6, 3.2)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.base import ON_POSTGRESQL, also_in_a_real_transaction
from tests.concurrency import run_in_threads
from tests.conftest import Company
from tests.factories import CustomerFactory
from tests.test_analytics_web import PERSONAS
from tests.test_credit import HEADER, NOW, POLICY, SHIP_ON, eligible, ship  # noqa: F401
from tests.test_credit_web import credit_policy  # noqa: F401  (fixture)
from zhike.archive.merging import customer_merge
from zhike.archive.models import Customer
from zhike.archive.selectors import customers_for
from zhike.credit import evidence, losses, selectors, services, terms, unapproved
from zhike.credit.errors import CreditError
from zhike.credit.models import Attestation, BadDebt, UnapprovedShipment
from zhike.errors import Conflict, CustomerNotFound, PermissionDenied
from zhike.policy.loader import PolicyError, parse_policy
from zhike.trade.errors import TradeError
from zhike.trade.importing import import_orders
from zhike.trade.models import Invoice, Order
from zhike.trade.services import LineInput, invoice_create, order_create
from zhike.uploads import UploadRefused
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest, Notice

AT_ORDER = parse_policy(HEADER + '[credit]\ncheck_at = "order"\n', "test")
AT_INVOICE = parse_policy(HEADER + '[credit]\ncheck_at = "invoice"\n', "test")


@pytest.fixture
def new_customer(eligible: Company) -> Customer:  # noqa: F811
    """Customer B: a complete archive, no contract in zhike yet, nothing invoiced."""
    customer = eligible.customers["B"]
    customer.address, customer.uscc = "上海市浦东新区世纪大道 8 号", "91310115MA1HBBBB1X"
    customer.save(update_fields=["address", "uscc"])
    return customer


def attest(company: Company, customer: Customer, **changes: Any) -> Attestation:
    values: dict[str, Any] = {
        "requirement": "contract_signed",
        "evidence": "经销合同(含结算协议)纸质原件已归档,编号 JX-2026-018",
    } | changes
    return evidence.attest(
        by=company.users[values.pop("persona", "fin")],
        customer_id=customer.pk,
        policy=POLICY,
        now=NOW,
        **values,
    )


# -- CRD-1: attested eligibility -----------------------------------------------------------


def test_crd_1_an_attested_contract_makes_the_customer_eligible(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
) -> None:
    missing = selectors.missing_requirements(new_customer, SHIP_ON, policy=POLICY.credit)
    assert missing == ["未签订业务合同"]
    attest(eligible, new_customer)
    assert selectors.missing_requirements(new_customer, SHIP_ON, policy=POLICY.credit) == []
    items = {i.key: i for i in evidence.checklist(new_customer, SHIP_ON, policy=POLICY)}
    assert items["contract_signed"].met and not items["contract_signed"].by_data
    assert items["archive_complete"].by_data and items["last_year_cleared"].by_data


def test_crd_1_an_attestation_counts_only_until_its_day(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
) -> None:
    attest(eligible, new_customer, valid_until=SHIP_ON + timedelta(days=10))
    on_last_day = SHIP_ON + timedelta(days=10)
    assert selectors.missing_requirements(new_customer, on_last_day, policy=POLICY.credit) == []
    day_after = on_last_day + timedelta(days=1)
    assert selectors.missing_requirements(new_customer, day_after, policy=POLICY.credit) == [
        "未签订业务合同"
    ]


def test_crd_1_a_second_attestation_replaces_the_first(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
) -> None:
    attest(eligible, new_customer)
    attest(eligible, new_customer, evidence="直销合同已签,结算协议附后", persona="admin")
    found = Attestation.objects.get(customer=new_customer)
    assert (found.evidence, found.by.username) == ("直销合同已签,结算协议附后", "admin")


def test_crd_1_last_years_balance_is_the_ledgers_to_say(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
) -> None:
    with pytest.raises(CreditError) as caught:
        attest(eligible, new_customer, requirement="last_year_cleared")
    assert caught.value.field == "requirement" and "不能人工证明" in caught.value.message
    with pytest.raises(PolicyError) as bad:
        parse_policy(HEADER + '[credit]\nattestable = ["last_year_cleared"]\n', "test")
    assert "credit.attestable" in str(bad.value)
    assert not Attestation.objects.exists()


def test_crd_1_bad_attestations_are_refused_and_nothing_is_kept(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(PermissionDenied):  # a salesperson cannot vouch for their customer
        attest(eligible, new_customer, persona="bob")
    with pytest.raises(CreditError) as caught:
        attest(eligible, new_customer, evidence="  ")
    assert caught.value.field == "evidence"
    with pytest.raises(CreditError) as caught:
        attest(eligible, new_customer, requirement="no_such_item")
    assert caught.value.field == "requirement"
    with pytest.raises(CreditError) as caught:
        attest(eligible, new_customer, valid_until=SHIP_ON - timedelta(days=1))
    assert caught.value.field == "valid_until"
    exe = SimpleUploadedFile("身份证复印件.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(UploadRefused):
        attest(eligible, new_customer, requirement="archive_complete", upload=exe)
    with pytest.raises(CustomerNotFound):
        evidence.attest(
            by=eligible.users["office"],  # the east office does not see sales1's customers
            customer_id=eligible.customers["A"].pk,
            requirement="contract_signed",
            evidence="x",
            policy=POLICY,
            now=NOW,
        )
    assert not Attestation.objects.exists() and not list(tmp_path.rglob("*.*"))


@pytest.mark.usefixtures("credit_policy")
def test_crd_1_the_evidence_file_is_kept_and_served_within_the_scope(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    copy = SimpleUploadedFile("身份证复印件.pdf", b"%PDF-1.4 id copy")
    attest(eligible, new_customer, requirement="archive_complete", evidence="", upload=copy)
    url = f"/credit/customers/{new_customer.pk}/attestations/archive_complete/file"
    response = eligible.client("fin").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 id copy"  # type: ignore[attr-defined]
    assert eligible.client("alice").get(url).status_code == 404  # bob's customer, not hers
    listed = eligible.api("bob").get(f"/api/v1/credit/customers/{new_customer.pk}/attestations")
    assert listed.status_code == 200 and listed.json()[0]["file_url"] == url


@pytest.mark.usefixtures("credit_policy")
def test_crd_1_attest_through_the_api_and_its_errors(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
) -> None:
    url = f"/api/v1/credit/customers/{new_customer.pk}/attestations"
    made = eligible.api("fin").post(
        url, {"requirement": "contract_signed", "evidence_text": "合同已签"}
    )
    assert made.status_code == 201 and made.json()["requirement"] == "contract_signed"
    refused = eligible.api("fin").post(
        url, {"requirement": "last_year_cleared", "evidence_text": "x"}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "requirement"
    assert eligible.api("bob").post(url, {"requirement": "contract_signed"}).status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="parallel writes need PostgreSQL")
def test_crd_1_twenty_parallel_attestations_leave_one(eligible: Company) -> None:  # noqa: F811
    customer = eligible.customers["B"]
    outcomes: list[str] = []

    def one(i: int) -> None:
        try:
            attest(eligible, customer, evidence=f"合同已签 {i}")
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    assert run_in_threads(20, one) == []
    assert Attestation.objects.filter(customer=customer).count() == 1
    assert "saved" in outcomes and len(outcomes) == 20


# -- CRD-3: the check point -----------------------------------------------------------------


def contract(company: Company, number: str, amount: str, policy: Any = AT_ORDER) -> Order:
    return order_create(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        number=number,
        signed_on=SHIP_ON,
        lines=[LineInput("轿车", "整车", Decimal(1), "台", Decimal(amount))],
        policy=policy,
    )


def test_crd_3_checked_at_the_order_a_contract_over_the_limit_is_refused(
    eligible: Company,  # noqa: F811
) -> None:
    assert contract(eligible, "HT-OK", "30000").amount == 30000  # exactly at the limit
    ordered = parse_policy(
        HEADER
        + '[credit]\ncheck_at = "order"\nexposure = ["receivables", "ordered_not_shipped"]\n',
        "test",
    )
    with pytest.raises(TradeError) as caught:  # 30,000 ordered already: no headroom left
        contract(eligible, "HT-OVER", "5000", policy=ordered)
    assert caught.value.field == "credit" and "发货单" in caught.value.message
    assert not Order.objects.filter(number="HT-OVER").exists()
    # At the shipment point (the default) contracts are not checked.
    assert contract(eligible, "HT-FREE", "500000", policy=POLICY).amount == 500000


def test_crd_3_an_order_import_checks_contract_by_contract(
    eligible: Company,  # noqa: F811
    tmp_path: Any,
) -> None:
    """Two contracts each within the limit, together over it: the file does not slip past
    the check as a bulk of orders did in ERPNext (#10861)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["合同编号", "客户编码", "签订日期", "产品", "品种", "数量", "单位", "合同单价"])
    code = eligible.customers["A"].code
    for number in ("HT-I1", "HT-I2"):
        sheet.append([number, code, SHIP_ON.isoformat(), "轿车", "整车", 1, "台", 20000])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    # Customer A's own 200,000 contract of 10-01 is ordered already: widen the limit.
    fixed = parse_policy(
        HEADER
        + '[credit]\ncheck_at = "order"\nexposure = ["receivables", "ordered_not_shipped"]\n'
        + "[credit.limit]\nrolling_days = 0\nfixed = 230000\n",
        "test",
    )
    report = import_orders(
        by=eligible.users["alice"], path=path, filename="orders.xlsx", policy=fixed, commit=True
    )
    assert not report.committed and "HT-I2" in report.errors[0].message
    assert not Order.objects.filter(number__startswith="HT-I").exists()


def test_crd_3_checked_at_the_invoice_a_direct_invoice_over_the_limit_is_refused(
    eligible: Company,  # noqa: F811
) -> None:
    def invoice(number: str, amount: str) -> Invoice:
        return invoice_create(
            by=eligible.users["fin"],
            customer_id=eligible.customers["A"].pk,
            number=number,
            issued_on=SHIP_ON,
            amount=Decimal(amount),
            policy=AT_INVOICE,
        )

    assert invoice("FP-OK", "30000").amount == 30000
    with pytest.raises(TradeError) as caught:
        invoice("FP-OVER", "0.01")
    assert caught.value.field == "credit"
    assert not Invoice.objects.filter(number="FP-OVER").exists()


def test_crd_3_a_shipments_invoice_is_not_checked_twice(eligible: Company) -> None:  # noqa: F811
    shipment = ship(eligible, "FH-1", "30000")  # the whole limit, checked at the shipment
    issued = services.shipment_invoice_issue(
        by=eligible.users["fin"],
        shipment_id=shipment.pk,
        number="FP-FH-1",
        issued_on=SHIP_ON,
        policy=AT_INVOICE,
    )
    assert (issued.state, issued.invoice.amount) == ("invoiced", Decimal("30000"))  # type: ignore[union-attr]
    with pytest.raises(CreditError):  # once only: the approval is not a standing right
        services.shipment_invoice_issue(
            by=eligible.users["fin"],
            shipment_id=shipment.pk,
            number="FP-FH-1b",
            issued_on=SHIP_ON,
            policy=AT_INVOICE,
        )


def test_crd_3_shipping_a_contract_does_not_count_its_unshipped_part_twice(
    eligible: Company,  # noqa: F811
) -> None:
    ordered = parse_policy(
        HEADER
        + '[credit]\nexposure = ["receivables", "shipped_not_invoiced", "ordered_not_shipped"]\n'
        + "[credit.limit]\nrolling_days = 0\nfixed = 250000\n",
        "test",
    )
    order = Order.objects.get(number="HT-1")  # 200,000 ordered, nothing shipped
    result = services.check(
        eligible.customers["A"],
        amount=Decimal(50000),
        on=SHIP_ON,
        policy=ordered,
        order_id=order.pk,
    )
    # 200,000 ordered moves 50,000 to shipped: exposure after is 200,000, within 250,000.
    assert result.decision.outcome == "within"
    assert result.facts.exposure == Decimal(150000)


# -- CRD-2: longer payment terms --------------------------------------------------------------


def test_crd_2_longer_terms_by_approval_move_the_due_day_and_widen_the_window(
    eligible: Company,  # noqa: F811
) -> None:
    customer = eligible.customers["A"].pk
    special = terms.terms_request(
        by=eligible.users["alice"],
        customer_id=customer,
        limit=None,
        payment_days=60,
        valid_until=SHIP_ON + timedelta(days=90),
        reason="大客户,按经销合同 60 天账期",
        policy=POLICY,
        now=NOW,
    )
    before = selectors.limit_on(customer, SHIP_ON, grade="", policy=POLICY.credit)
    request = ApprovalRequest.objects.get(kind="credit_terms", object_id=special.pk)
    approval_act(
        request_id=request.pk, by=eligible.users["vp"], action="approve", comment="同意",
        policy=POLICY, now=NOW,
    )  # fmt: skip
    invoice = invoice_create(
        by=eligible.users["fin"],
        customer_id=customer,
        number="FP-60",
        issued_on=SHIP_ON,
        amount=Decimal(1000),
        policy=POLICY,
    )
    assert invoice.due_on == SHIP_ON + timedelta(days=60)
    # The 60 days before the shipping day hold 30,000 invoiced (10-21, 11-19) and no more
    # here; one more invoice 45 days back counts only with the longer window.
    invoice_create(
        by=eligible.users["fin"],
        customer_id=customer,
        number="FP-45",
        issued_on=SHIP_ON - timedelta(days=45),
        amount=Decimal(7000),
        policy=POLICY,
        due_on=SHIP_ON,
    )
    after = selectors.limit_on(customer, SHIP_ON, grade="", policy=POLICY.credit)
    assert (before, after) == (Decimal(30000), Decimal(37000))


def test_crd_2_terms_must_ask_for_something_longer_than_usual(
    eligible: Company,  # noqa: F811
) -> None:
    def ask(**values: Any) -> None:
        terms.terms_request(
            by=eligible.users["alice"],
            customer_id=eligible.customers["A"].pk,
            valid_until=SHIP_ON + timedelta(days=30),
            reason="账期",
            policy=POLICY,
            now=NOW,
            **values,
        )

    with pytest.raises(CreditError) as caught:
        ask(limit=None, payment_days=30)  # the usual term is 30 days
    assert caught.value.field == "payment_days"
    with pytest.raises(CreditError) as caught:
        ask(limit=None)
    assert caught.value.field == "limit"


# -- CRD-6: over-limit shipments made without approval ------------------------------------


def test_crd_6_an_unapproved_shipment_found_by_finance_is_borne_by_those_responsible(
    eligible: Company,  # noqa: F811
) -> None:
    customer = eligible.customers["A"]
    manual = invoice_create(  # a hand-written invoice: no shipment accounts for it
        by=eligible.users["fin"],
        customer_id=customer.pk,
        number="SG-1",
        issued_on=SHIP_ON,
        amount=Decimal("9000.01"),
        policy=POLICY,
    )
    shipped = ship(eligible, "FH-1", "1000")
    services.shipment_invoice_issue(
        by=eligible.users["fin"], shipment_id=shipped.pk, number="FP-FH", issued_on=SHIP_ON,
        policy=POLICY,
    )  # fmt: skip
    found = unapproved.candidates(
        eligible.users["fin"], start=SHIP_ON.replace(day=1), end=SHIP_ON, policy=POLICY
    )
    # Not the shipment's invoice; FP-2 of the fixture was recorded in the ledger alone.
    assert [i.number for i in found] == ["SG-1", "FP-2"]
    liable = [eligible.users["sup"], eligible.users["mgr"]]
    unapproved.unapproved_record(
        by=eligible.users["fin"],
        customer_id=customer.pk,
        invoice_id=manual.pk,
        shipped_on=SHIP_ON,
        amount=None,
        note="物流专员未经审批以手工票发货",
        liable_ids=[p.pk for p in liable],
        policy=POLICY,
        now=NOW,
    )
    assert Notice.objects.filter(kind="credit.unapproved").count() == 2
    left = unapproved.candidates(
        eligible.users["fin"], start=SHIP_ON.replace(day=1), end=SHIP_ON, policy=POLICY
    )
    assert [i.number for i in left] == ["FP-2"]  # SG-1 has been looked into
    debt = losses.bad_debt_record(
        by=eligible.users["fin"],
        invoice_id=manual.pk,
        amount=Decimal("9000.01"),
        reason="客户失联",
        policy=POLICY,
        now=NOW,
    )
    parts = {share["user"]: share["amount"] for share in debt.shares}
    assert parts == {liable[0].pk: "4500.01", liable[1].pk: "4500.00"}
    assert "未经审批" in debt.basis and BadDebt.objects.count() == 1


def test_crd_6_bad_unapproved_records_are_refused(eligible: Company) -> None:  # noqa: F811
    customer = eligible.customers["A"]
    manual = invoice_create(
        by=eligible.users["fin"], customer_id=customer.pk, number="SG-2", issued_on=SHIP_ON,
        amount=Decimal(500), policy=POLICY,
    )  # fmt: skip

    def record(persona: str = "fin", **changes: Any) -> UnapprovedShipment:
        values: dict[str, Any] = {
            "customer_id": customer.pk,
            "invoice_id": manual.pk,
            "shipped_on": SHIP_ON,
            "amount": None,
            "note": "手工票",
            "liable_ids": [eligible.users["sup"].pk],
        } | changes
        return unapproved.unapproved_record(
            by=eligible.users[persona], policy=POLICY, now=NOW, **values
        )

    with pytest.raises(PermissionDenied):
        record(persona="alice")
    with pytest.raises(CreditError) as caught:
        record(liable_ids=[])
    assert caught.value.field == "liable_ids"
    with pytest.raises(CreditError) as caught:
        record(note=" ")
    assert caught.value.field == "note"
    with pytest.raises(CreditError) as caught:
        record(invoice_id=None, amount=Decimal(0))
    assert caught.value.field == "amount"
    assert not UnapprovedShipment.objects.exists()
    record()
    with pytest.raises(Conflict):
        record()
    assert UnapprovedShipment.objects.count() == 1


@pytest.mark.usefixtures("credit_policy")
def test_crd_6_the_unapproved_page_and_api_are_finances(eligible: Company) -> None:  # noqa: F811
    assert eligible.client("fin").get("/credit/unapproved/").status_code == 200
    assert eligible.client("alice").get("/credit/unapproved/").status_code == 404
    assert eligible.client("fin").get("/credit/unapproved/?month=2026-13").status_code == 200
    posted = eligible.client("fin").post("/credit/unapproved/", {"invoice_id": "x", "note": "?"})
    assert posted.status_code == 200 and "没有这张应收单据" in posted.content.decode()
    assert eligible.api("alice").get("/api/v1/credit/unapproved").status_code == 403
    month = f"start={SHIP_ON.replace(day=1)}&end={SHIP_ON}"
    assert (
        eligible.api("fin").get(f"/api/v1/credit/unapproved/candidates?{month}").status_code == 200
    )
    backwards = f"start={SHIP_ON}&end={SHIP_ON.replace(day=1)}"
    bad = eligible.api("fin").get(f"/api/v1/credit/unapproved/candidates?{backwards}")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "end"


@pytest.mark.usefixtures("credit_policy")
def test_crd_1_the_shipping_step_shows_the_checklist_and_takes_evidence(
    eligible: Company,  # noqa: F811
    new_customer: Customer,
    settings: Any,
) -> None:
    page = eligible.client("fin").get(f"/credit/customers/{new_customer.pk}/ship/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "授信资格" in text and "已签订业务合同(含结算协议)" in text and "提交证明" in text
    posted = eligible.client("fin").post(
        f"/credit/customers/{new_customer.pk}/ship/",
        {"action": "attest", "requirement": "contract_signed", "evidence": "合同已签"},
    )
    assert posted.status_code == 302 and Attestation.objects.filter(customer=new_customer).exists()
    # A salesperson sees the checklist, not the form.
    assert (
        "提交证明"
        not in eligible.client("bob")
        .get(f"/credit/customers/{new_customer.pk}/ship/")
        .content.decode()
    )


@pytest.mark.usefixtures("credit_policy")
@pytest.mark.parametrize("persona", PERSONAS)
def test_crd_1_and_crd_6_access_matrix(company: Company, persona: str) -> None:
    """Every persona: the attestations of customer A (read inside the scope, write only by
    the roles the policy names), the unapproved-shipment page and API (finance only)."""
    user = company.users[persona]
    customer = company.customers["A"]
    sees = customers_for(user).filter(pk=customer.pk).exists()
    url = f"/api/v1/credit/customers/{customer.pk}/attestations"
    listed = company.api(persona).get(url)
    assert listed.status_code == (200 if sees else 404)
    made = company.api(persona).post(
        url, {"requirement": "contract_signed", "evidence_text": "合同"}
    )
    attester = persona in ("fin", "office", "admin")  # the policy's roles; admin holds all
    expected = 404 if not sees else (201 if attester else 403)
    assert made.status_code == expected, made.content
    assert Attestation.objects.filter(customer=customer).exists() == (expected == 201)
    finance = persona in ("fin", "admin")
    assert company.client(persona).get("/credit/unapproved/").status_code == (
        200 if finance else 404
    )
    api = company.api(persona).get("/api/v1/credit/unapproved")
    assert api.status_code == (200 if finance else 403)


@pytest.mark.usefixtures("credit_policy")
def test_crd_3_a_day_that_is_not_a_day_is_a_message_not_a_500(
    eligible: Company,  # noqa: F811
) -> None:
    customer = eligible.customers["A"].pk
    client = eligible.client("fin")
    page = client.post(
        f"/credit/customers/{customer}/ship/",
        {"action": "invoice", "shipment_id": "1", "number": "FP-X", "issued_on": "2026-13-01"},
    )
    assert page.status_code == 302 and not Invoice.objects.filter(number="FP-X").exists()
    terms_page = client.post(
        f"/credit/customers/{customer}/ship/",
        {"action": "terms", "limit": "1000", "valid_until": "2026-02-30", "reason": "x"},
    )
    assert terms_page.status_code == 302
    assert client.get("/credit/aging/?on=2026-13-01").status_code == 200


def test_eng_6_approvals_about_a_customer_are_on_its_timeline_and_follow_a_merge(
    eligible: Company,  # noqa: F811
) -> None:
    """The 360° timeline shows the approvals whose subject is about the customer (here the
    regional manager's signature for an over-limit shipment); merged, they follow."""
    from zhike.engagement.timeline import customer_timeline

    customer = eligible.customers["A"]
    ship(eligible, "FH-1", "30000")
    over = ship(eligible, "FH-2", "9999.99")  # waits for the regional manager
    request = ApprovalRequest.objects.get(kind="credit_over_limit", object_id=over.pk)
    assert request.customer_id == customer.pk
    page = customer_timeline(eligible.users["alice"], customer, policy=POLICY)
    shown = [e.approval.pk for e in page.entries if e.kind == "approval" and e.approval]
    assert shown == [request.pk]
    html = eligible.client("alice").get(f"/customers/{customer.pk}/follow-ups/").text
    assert f"/approvals/{request.pk}/" in html
    # Another customer's timeline does not show it.
    other = customer_timeline(eligible.users["bob"], eligible.customers["B"], policy=POLICY)
    assert not [e for e in other.entries if e.kind == "approval"]
    keep = CustomerFactory(name="甲方阿尔法科技(总部)", owner=eligible.users["alice"])
    customer_merge(by=eligible.users["alice"], keep_id=keep.pk, merge_id=customer.pk)
    merged = customer_timeline(eligible.users["alice"], keep, policy=POLICY)
    assert [e.approval.pk for e in merged.entries if e.approval] == [request.pk]


# The services above that lock rows or must be atomic, once more in real transactions.
also_in_a_real_transaction(
    globals(),
    test_crd_1_an_attested_contract_makes_the_customer_eligible,
    test_crd_3_checked_at_the_order_a_contract_over_the_limit_is_refused,
    test_crd_3_an_order_import_checks_contract_by_contract,
    test_crd_3_a_shipments_invoice_is_not_checked_twice,
    test_crd_2_longer_terms_by_approval_move_the_due_day_and_widen_the_window,
    test_crd_6_an_unapproved_shipment_found_by_finance_is_borne_by_those_responsible,
    test_crd_6_bad_unapproved_records_are_refused,
)
