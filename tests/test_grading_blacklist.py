"""GRD-8 blacklist and GRD-9 admission (s000 五 1, 五 3(5))."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhike.archive.errors import Conflict
from zhike.archive.models import CustomerStatus
from zhike.grading.admission import admission_check, admission_status
from zhike.grading.blacklist import (
    blacklist_propose,
    blacklist_readmit_request,
    blacklist_shorten,
    blacklist_verify,
    sweep_blacklist_expiry,
)
from zhike.grading.errors import GradingError, PermissionDenied
from zhike.grading.models import AdmissionCheck, BlacklistEntry, GradeChange, Standing
from zhike.policy.loader import load_policy
from zhike.trade.errors import TradeError
from zhike.trade.services import LineInput, order_create
from zhike.uploads import UploadRefused
from zhike.workflow.approvals import approval_act
from zhike.workflow.models import ApprovalRequest, Deadline

from .base import also_in_a_real_transaction
from .conftest import Company
from .factories import trade

LINE = LineInput(
    product="大米", category="粮油", quantity=Decimal(1), unit="吨", price=Decimal(5000)
)


@pytest.fixture
def wholesale(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ZHIKE_POLICY = "wholesale-market"
    settings.MEDIA_ROOT = tmp_path
    from zhike.policy.loader import active_policy

    active_policy.cache_clear()
    yield load_policy("wholesale-market")
    active_policy.cache_clear()


def approve(company: Company, kind: str, persona: str, policy) -> None:  # type: ignore[no-untyped-def]
    request = ApprovalRequest.objects.filter(kind=kind, state="pending").get()
    approval_act(
        request_id=request.pk,
        by=company.users[persona],
        action="approve",
        comment="同意",
        policy=policy,
        now=timezone.now(),
    )


def admit(company: Company, customer, policy) -> None:  # type: ignore[no-untyped-def]
    for item in policy.grading.admission.items:
        admission_check(
            by=company.users["sup"],
            customer_id=customer.pk,
            key=item.key,
            passed=True,
            evidence="已核验原件",
            policy=policy,
            now=timezone.now(),
        )


def test_grd_8_entry_verified_approved_blocks_trade_and_starts_collection(
    company: Company, wholesale
) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    trade(customer, on=date.today() - timedelta(days=90), amount=80_000, payment="open")
    entry = blacklist_propose(
        by=company.users["alice"],
        customer_id=customer.pk,
        reason="拖欠租金三个月,拒不配合",
        policy=wholesale,
        now=timezone.now(),
    )
    blacklist_verify(
        by=company.users["vp"],
        entry_id=entry.pk,
        confirmed=True,
        note="经核实属实",
        valid_months=3,
        policy=wholesale,
        now=timezone.now(),
    )
    approve(company, "blacklist_entry", "gm", wholesale)
    entry.refresh_from_db()
    customer.refresh_from_db()
    assert entry.state == BlacklistEntry.State.ACTIVE
    assert customer.status == CustomerStatus.BLACKLISTED
    assert entry.ends_on == _months_later(entry.starts_on, 3)  # shortened from 6 at verification
    assert entry.arrears == Decimal(80_000)
    # Collection tasks for the market (sales manager) and finance teams.
    collectors = set(
        Deadline.objects.filter(rule="blacklist_collection").values_list(
            "assignee__username", flat=True
        )
    )
    assert collectors == {"mgr", "fin"}
    # No new orders (the check other modules call).
    with pytest.raises(TradeError, match="黑名单"):
        order_create(
            by=company.users["alice"],
            customer_id=customer.pk,
            number="HT-X",
            signed_on=date.today(),
            lines=[LINE],
            policy=wholesale,
        )


def _months_later(day: date | None, months: int) -> date:
    from zhike.dates import months_before

    assert day is not None
    return months_before(day, -months)


def test_grd_8_verification_rules(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    entry = blacklist_propose(
        by=company.users["alice"],
        customer_id=customer.pk,
        reason="违约",
        policy=wholesale,
        now=timezone.now(),
    )
    with pytest.raises(Conflict, match="已在黑名单中或正在办理"):
        blacklist_propose(
            by=company.users["alice"],
            customer_id=customer.pk,
            reason="违约",
            policy=wholesale,
            now=timezone.now(),
        )
    with pytest.raises(PermissionDenied):
        blacklist_verify(
            by=company.users["mgr"],
            entry_id=entry.pk,
            confirmed=True,
            note="x",
            policy=wholesale,
            now=timezone.now(),
        )
    with pytest.raises(GradingError, match="不能延长"):
        blacklist_verify(
            by=company.users["vp"],
            entry_id=entry.pk,
            confirmed=True,
            note="x",
            valid_months=12,
            policy=wholesale,
            now=timezone.now(),
        )
    blacklist_verify(
        by=company.users["vp"],
        entry_id=entry.pk,
        confirmed=False,
        note="情况不属实",
        policy=wholesale,
        now=timezone.now(),
    )
    entry.refresh_from_db()
    assert entry.state == BlacklistEntry.State.REJECTED
    assert not ApprovalRequest.objects.exists()
    customer.refresh_from_db()
    assert customer.status != CustomerStatus.BLACKLISTED


def test_grd_8_expiry_then_readmission_by_approval_at_the_lowest_level(
    company: Company, wholesale
) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    Standing.objects.create(customer=customer, tier="vip", since=timezone.now())
    entry = blacklist_propose(
        by=company.users["alice"],
        customer_id=customer.pk,
        reason="重大违约",
        policy=wholesale,
        now=timezone.now(),
    )
    blacklist_verify(
        by=company.users["vp"],
        entry_id=entry.pk,
        confirmed=True,
        note="属实",
        policy=wholesale,
        now=timezone.now(),
    )
    approve(company, "blacklist_entry", "gm", wholesale)
    entry.refresh_from_db()
    # Shortened once more by the verifier, then the daily sweep expires it.
    blacklist_shorten(
        by=company.users["vp"],
        entry_id=entry.pk,
        ends_on=entry.starts_on + timedelta(days=30),
        reason="已结清欠款",
        policy=wholesale,
    )
    assert sweep_blacklist_expiry(today=entry.starts_on + timedelta(days=31)) == 1
    assert sweep_blacklist_expiry(today=entry.starts_on + timedelta(days=31)) == 0
    # Re-entry needs admission first …
    with pytest.raises(GradingError, match="准入审核"):
        blacklist_readmit_request(
            by=company.users["alice"],
            entry_id=entry.pk,
            reason="已更换法人并结清欠款",
            policy=wholesale,
            now=timezone.now(),
        )
    admit(company, customer, wholesale)
    blacklist_readmit_request(
        by=company.users["alice"],
        entry_id=entry.pk,
        reason="已更换法人并结清欠款",
        policy=wholesale,
        now=timezone.now(),
    )
    approve(company, "blacklist_reentry", "mgr", wholesale)
    approve(company, "blacklist_reentry", "gm", wholesale)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.POTENTIAL  # its status before the blacklist
    assert Standing.objects.get(customer=customer).tier == "qualified"  # s000: 合格类客户
    change = GradeChange.objects.get(customer=customer, axis="tier")
    assert (change.old, change.new, change.source) == ("vip", "qualified", "blacklist")


def test_grd_9_no_trade_without_admission(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    with pytest.raises(TradeError, match="尚未通过准入审核") as refused:
        order_create(
            by=company.users["alice"],
            customer_id=customer.pk,
            number="HT-1",
            signed_on=date.today(),
            lines=[LINE],
            policy=wholesale,
        )
    assert "具备工商营业执照" in refused.value.message
    admit(company, customer, wholesale)
    assert admission_status(customer.pk, wholesale).admitted
    order_create(
        by=company.users["alice"],
        customer_id=customer.pk,
        number="HT-1",
        signed_on=date.today(),
        lines=[LINE],
        policy=wholesale,
    )


def test_grd_9_checks_need_evidence_and_the_right_role(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    with pytest.raises(PermissionDenied):
        admission_check(
            by=company.users["alice"],
            customer_id=customer.pk,
            key="business_licence",
            passed=True,
            evidence="营业执照",
            policy=wholesale,
            now=timezone.now(),
        )
    with pytest.raises(GradingError, match="依据"):
        admission_check(
            by=company.users["sup"],
            customer_id=customer.pk,
            key="business_licence",
            passed=True,
            evidence=" ",
            policy=wholesale,
            now=timezone.now(),
        )
    licence = SimpleUploadedFile(
        "营业执照.pdf", b"%PDF-1.4 licence", content_type="application/pdf"
    )
    check = admission_check(
        by=company.users["sup"],
        customer_id=customer.pk,
        key="business_licence",
        passed=True,
        evidence="",
        attachment=licence,
        policy=wholesale,
        now=timezone.now(),
    )
    assert check.attachment.read() == b"%PDF-1.4 licence"
    assert AdmissionCheck.objects.get().checked_by == company.users["sup"]
    # A failed item counts as missing.
    admission_check(
        by=company.users["sup"],
        customer_id=customer.pk,
        key="no_illegal_record",
        passed=False,
        evidence="有行政处罚记录",
        policy=wholesale,
        now=timezone.now(),
    )
    missing = {i.key for i in admission_status(customer.pk, wholesale).missing}
    assert "no_illegal_record" in missing and "business_licence" not in missing


def test_grd_9_evidence_file_downloaded_within_the_scope(company: Company, wholesale) -> None:  # type: ignore[no-untyped-def]
    customer = company.customers["A"]
    licence = SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 licence")
    check = admission_check(
        by=company.users["sup"],
        customer_id=customer.pk,
        key="business_licence",
        passed=True,
        evidence="",
        attachment=licence,
        policy=wholesale,
        now=timezone.now(),
    )
    url = f"/grading/admission/{check.pk}/attachment"
    response = company.client("alice").get(url)
    assert (
        response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 licence"
    )
    assert company.client("bob").get(url).status_code == 404


also_in_a_real_transaction(
    globals(),
    test_grd_8_entry_verified_approved_blocks_trade_and_starts_collection,
    test_grd_8_expiry_then_readmission_by_approval_at_the_lowest_level,
)


def test_grd_9_evidence_that_is_not_a_document_is_refused_and_nothing_kept(  # type: ignore[no-untyped-def]
    company: Company, wholesale, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    renamed = SimpleUploadedFile("营业执照.pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(UploadRefused):
        admission_check(
            by=company.users["sup"],
            customer_id=company.customers["A"].pk,
            key="business_licence",
            passed=True,
            evidence="",
            attachment=renamed,
            policy=wholesale,
            now=timezone.now(),
        )
    assert not AdmissionCheck.objects.exists() and not list(tmp_path.rglob("*.*"))
