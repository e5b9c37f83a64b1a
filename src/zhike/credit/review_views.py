"""Pages of the credit review (CRD-5): the reviews, and one review's 客户升(降)级评审表
with each customer's figures, the rating they give, the reviewer's adjustment, the
submission for approval; printable."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.dates import form_day
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import reviews
from .models import CreditReview


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _last_period_end() -> str:
    """The last day of the half-year (or review period) just ended: the start form's default."""
    today = timezone.localdate()
    months = active_policy().credit.rating.review_months
    first = today.replace(day=1)
    while (first.month - 1) % months:
        first = (first - timedelta(days=1)).replace(day=1)
    return (first - timedelta(days=1)).isoformat()


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user, policy = _user(request), active_policy()
    if not reviews.may_read_reviews(user):
        raise Forbidden
    if request.method == "POST":
        end = form_day(request.POST.get("period_end", ""))
        if end is None:
            messages.error(request, _("请填写统计截止日"))
        else:
            try:
                review = reviews.credit_review_start(
                    by=user, policy=policy, period_end=end, now=timezone.now()
                )
            except RuleError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("credit-review", review.pk)
    context = {
        "reviews": reviews.reviews_for(user)[:50],
        "may_run": user.has_perm(reviews.RUN),
        "enabled": policy.credit.enabled and bool(policy.credit.rating.levels),
        "default_end": _last_period_end(),
    }
    return render(request, "credit/reviews.html", context)


@login_required
def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    user, policy = _user(request), active_policy()
    if not reviews.may_read_reviews(user):
        raise Forbidden
    review = reviews.reviews_for(user).filter(pk=review_id).first()
    if review is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                reviews.credit_review_submit(
                    by=user, review_id=review.pk, policy=policy, now=timezone.now()
                )
                messages.success(request, _("评审表已提交审批"))
            else:
                customer = request.POST.get("customer_id", "")
                reviews.credit_review_adjust(
                    by=user,
                    review_id=review.pk,
                    customer_id=int(customer) if customer.isdigit() else 0,
                    rating=request.POST.get("rating", ""),
                    comment=request.POST.get("comment", ""),
                    policy=policy,
                )
                messages.success(request, _("已调整"))
        except RuleError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    changed = request.GET.get("changed") == "1"
    page = Paginator(reviews.review_lines(user, review, changed=changed), 50).get_page(
        request.GET.get("page")
    )
    levels = {level.key: level.label for level in policy.credit.rating.levels}
    context = {
        "review": review,
        "page": page,
        "changed": changed,
        "levels": levels,
        "editable": review.state == CreditReview.State.PROPOSED and user.has_perm(reviews.RUN),
        "summary": review.summary or {},
    }
    return render(request, "credit/review.html", context)
