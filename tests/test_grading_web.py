"""The grading pages as users meet them: a customer's grading page, the review workbench."""

from datetime import date

from django.test import override_settings
from django.utils import timezone

from zhike.grading.models import Review, ReviewLine
from zhike.grading.reviews import review_compute
from zhike.policy.loader import active_policy

from .conftest import Company
from .factories import CustomerFactory, trade


def test_grd_2_grading_page_shows_figures_tiers_and_history(company: Company) -> None:
    customer = company.customers["A"]
    trade(customer, on=timezone.localdate().replace(day=1), amount=1_200_000)
    page = company.client("alice").get(f"/customers/{customer.pk}/grading/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "客户分级" in html and "1,200,000.00" in html
    assert "价值分层" in html and "年合同金额 ≥ 100 万元" in html  # the general preset's tiers
    assert "尚未经过分级评审" in html
    # Outside the data scope: the same 404 as a missing customer.
    assert company.client("bob").get(f"/customers/{customer.pk}/grading/").status_code == 404


@override_settings(ZHIKE_POLICY="manufacturer")
def test_grd_2_manager_rates_strategic_influence_on_the_page(company: Company) -> None:
    active_policy.cache_clear()
    try:
        customer = company.customers["A"]
        url = f"/customers/{customer.pk}/grading/"
        assert "需由指定角色评定" in company.client("alice").get(url).content.decode()
        response = company.client("mgr").post(url, {"key": "influence", "value": "leader"})
        assert response.status_code == 302
        html = company.client("alice").get(url).content.decode()
        assert "行业的龙头客户" in html and "战略影响" in html
    finally:
        active_policy.cache_clear()


def test_grd_6_review_workbench(
    company: Company, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for amount in (6_000_000, 1_500_000, 20_000):
        trade(CustomerFactory(owner=company.users["alice"]), on=date(2026, 2, 1), amount=amount)
    assert company.client("alice").get("/grading/reviews/").status_code == 403
    manager = company.client("mgr")
    started = manager.post("/grading/reviews/", {"period_end": "2026-06-30"})
    assert started.status_code == 302
    review = Review.objects.get()
    review_compute(review_id=review.pk, now=timezone.now())
    with django_assert_num_queries(9):  # pinned: session, user, perms, scope, nav, page
        page = manager.get(f"/grading/reviews/{review.pk}/?show=all")
    html = page.content.decode()
    assert page.status_code == 200
    assert "名额执行情况" in html and "战略客户" in html and "提交审批" in html
    # Adjust one line with a reason, then submit for approval.
    small = ReviewLine.objects.get(review=review, contract_amount=20_000)
    response = manager.post(
        f"/grading/reviews/{review.pk}/?show=all",
        {"customer_id": small.customer_id, "tier": "potential", "comment": "战略合作伙伴"},
    )
    assert response.status_code == 302
    small.refresh_from_db()
    assert (small.adjusted_tier, small.adjust_comment) == ("potential", "战略合作伙伴")
    missing_reason = manager.post(
        f"/grading/reviews/{review.pk}/", {"customer_id": small.customer_id, "tier": "core"}
    )
    assert "请填写调整理由" in missing_reason.content.decode()
    manager.post(f"/grading/reviews/{review.pk}/", {"action": "submit"})
    review.refresh_from_db()
    assert review.state == Review.State.SUBMITTED


def test_grd_6_bad_period_is_a_clear_error(company: Company) -> None:
    page = company.client("mgr").post("/grading/reviews/", {"period_end": "30/06/2026"})
    assert "格式 YYYY-MM-DD" in page.content.decode()
    assert not Review.objects.exists()


def test_grd_8_9_10_pages_as_users_meet_them(company: Company, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ZHIKE_POLICY = "wholesale-market"
    active_policy.cache_clear()
    try:
        customer = company.customers["A"]
        url = f"/customers/{customer.pk}/grading/"
        html = company.client("alice").get(url).content.decode()
        assert "未通过,不能交易" in html and "具备工商营业执照" in html
        # The supervisor checks an admission item with its evidence on the page.
        company.client("sup").post(
            url,
            {
                "action": "admission",
                "key": "business_licence",
                "passed": "yes",
                "evidence": "营业执照 91130100MA0000000X",
            },
        )
        assert "营业执照 91130100MA0000000X" in company.client("alice").get(url).content.decode()
        # Alice proposes the blacklist; the vice president sees the verification form.
        company.client("alice").post(url, {"action": "blacklist", "reason": "长期拖欠租金"})
        assert "属实,提交审批" in company.client("vp").get(url).content.decode()
        assert "属实,提交审批" not in company.client("alice").get(url).content.decode()
        # A problem on the page; a missing description is a clear error, nothing saved.
        bad = company.client("alice").post(url, {"action": "problem", "kind": "late_fees"})
        assert "请填写情况说明" in bad.content.decode()
        # The blacklist page follows the data scope.
        assert "长期拖欠租金" in company.client("alice").get("/grading/blacklist/").content.decode()
        assert (
            "长期拖欠租金" not in company.client("bob").get("/grading/blacklist/").content.decode()
        )
        # The treatment matrix of the policy.
        matrix = company.client("bob").get("/grading/treatment/").content.decode()
        assert "VIP客户" in matrix and "每 1 个月" in matrix
    finally:
        active_policy.cache_clear()
