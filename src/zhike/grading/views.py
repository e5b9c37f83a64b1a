"""Pages of the grading module: a customer's grading page and the review workbench."""

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from zhike.archive.errors import ArchiveError
from zhike.archive.selectors import access_customer
from zhike.org.models import User
from zhike.policy.loader import active_policy
from zhike.policy.schema import Policy

from . import reviews, selectors, services
from .models import Review
from .rules import describe

NOTES = {"no_trade": "无交易", "not_evaluated": "往来未满首次评估期", "new": "新客户首年"}
LINE_FILTERS = ("changed", "missed", "all")


def _manual_items(policy: Policy) -> list[dict[str, Any]]:
    """The ratings and attestations a person gives, with their choices."""
    rules = policy.grading
    items = [
        {"key": i.key, "label": i.label, "roles": i.rated_by,
         "choices": [(o.key, o.label) for o in i.options]}
        for i in (rules.score.indicators if rules.score else [])
        if i.options
    ]  # fmt: skip
    items += [
        {"key": a.key, "label": a.label, "roles": a.rated_by,
         "choices": [("yes", "是"), ("no", "否")]}
        for a in rules.attestations
    ]  # fmt: skip
    return items


@login_required
def customer_grading(request: HttpRequest, customer_id: int) -> HttpResponse:
    """客户分级: the standing, the score with every indicator's band and points, the tiers
    the customer meets, manual ratings, and the history of grade changes."""
    user: User = request.user  # type: ignore[assignment]
    policy = active_policy()
    try:
        customer = access_customer(user, customer_id)
    except ArchiveError:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            services.assessment_record(
                by=user, customer_id=customer.pk, key=request.POST.get("key", ""),
                value=request.POST.get("value", ""), note=request.POST.get("note", ""),
                policy=policy, now=timezone.now(),
            )  # fmt: skip
            return redirect("customer-grading", customer_id=customer.pk)
        except ArchiveError as exc:
            error = exc.message
    card = selectors.grading_card(user, customer.pk, policy=policy, today=timezone.localdate())
    rules = policy.grading
    tiers = []
    if rules.tier:
        met = {level.key for level in card.tiers_met}
        tiers = [
            {"label": level.label, "met": level.key in met,
             "criteria": [describe(c) for c in level.criteria], "quota": level.quota}
            for level in rules.tier.levels
        ]  # fmt: skip
    user_roles = set(user.roles.values_list("code", flat=True))
    manual = [
        item | {"current": card.assessments.get(item["key"]),
                "may_rate": user.is_superuser or bool(user_roles & set(item["roles"]))}
        for item in _manual_items(policy)
    ]  # fmt: skip
    return render(
        request,
        "grading/customer_grading.html",
        {
            "customer": customer,
            "card": card,
            "rules": rules,
            "note": NOTES.get(card.score.note, "") if card.score else "",
            "labels": _labels(card, policy),
            "history": _history(card, policy),
            "tiers": tiers,
            "manual": manual,
            "error": error,
        },
    )


def axis_labels(policy: Policy) -> dict[str, tuple[str, dict[str, str]]]:
    """axis → (its name, {value key: label}) from the policy, for people to read."""
    rules = policy.grading
    axes: dict[str, tuple[str, dict[str, str]]] = {}
    if rules.score:
        axes["grade"] = (
            rules.score.name,
            {g.key: f"{g.key} {g.label}" for g in rules.score.grades},
        )
    for key in ("tier", "size_class"):
        axis = getattr(rules, key)
        if axis is not None:
            axes[key] = (axis.name, {lv.key: lv.label for lv in axis.levels})
    return axes


def _history(card: selectors.GradingCard, policy: Policy) -> list[dict[str, Any]]:
    axes = axis_labels(policy)
    rows = []
    for change in card.history:
        name, values = axes.get(change.axis, (change.axis, {}))
        rows.append(
            {
                "change": change,
                "axis": name,
                "old": values.get(change.old, change.old),
                "new": values.get(change.new, change.new),
            }
        )
    return rows


def _labels(card: selectors.GradingCard, policy: Policy) -> dict[str, str]:
    """Display names of the keys the card holds (grades, tiers and size classes)."""
    rules = policy.grading
    grades = {g.key: g.label for g in rules.score.grades} if rules.score else {}
    tiers = {lv.key: lv.label for lv in rules.tier.levels} if rules.tier else {}
    sizes = {lv.key: lv.label for lv in rules.size_class.levels} if rules.size_class else {}
    standing = card.standing
    return {
        "standing_grade": grades.get(standing.grade, "") if standing else "",
        "standing_tier": tiers.get(standing.tier, "") if standing else "",
        "standing_size": sizes.get(standing.size_class, "") if standing else "",
        "score_grade": grades.get(card.score.grade, "") if card.score else "",
    }


@login_required
@permission_required("grading.run_review", raise_exception=True)
def review_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST":
        try:
            period_end = date.fromisoformat(request.POST.get("period_end", ""))
        except ValueError:
            error = "请填写统计截止日,格式 YYYY-MM-DD"
        else:
            try:
                review = reviews.review_start(
                    by=user, policy=active_policy(), period_end=period_end, now=timezone.now()
                )
                return redirect("review-detail", review_id=review.pk)
            except ArchiveError as exc:
                error = exc.message
    return render(
        request,
        "grading/review_list.html",
        {"reviews": Review.objects.all()[:50], "error": error, "today": timezone.localdate()},
    )


@login_required
@permission_required("grading.run_review", raise_exception=True)
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """The review workbench: counts and quota status, the proposed changes with reasons,
    adjustments, submission for approval."""
    user: User = request.user  # type: ignore[assignment]
    try:
        review = Review.objects.get(pk=review_id)
    except Review.DoesNotExist:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                reviews.review_submit(
                    by=user, review_id=review.pk, policy=active_policy(), now=timezone.now()
                )
            else:
                reviews.review_adjust(
                    by=user, review_id=review.pk,
                    customer_id=int(request.POST.get("customer_id") or 0),
                    grade=request.POST.get("grade") or None,
                    tier=request.POST.get("tier") or None,
                    comment=request.POST.get("comment", ""),
                )  # fmt: skip
            return redirect(request.get_full_path())
        except (ArchiveError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    policy = Policy.model_validate(review.policy)
    show = request.GET.get("show", "changed")
    show = show if show in LINE_FILTERS else "changed"
    lines = selectors.review_lines_for(user, review).select_related("customer")
    if show == "changed":
        lines = lines.filter(
            ~Q(previous_grade=F("grade")) | ~Q(previous_tier=F("tier"))
            | ~Q(adjusted_grade="") | ~Q(adjusted_tier="")
        )  # fmt: skip
    elif show == "missed":
        lines = lines.exclude(tier_missed="")
    lines = lines.order_by("tier_rank", "-contract_amount", "customer_id")
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    rules = policy.grading
    return render(
        request,
        "grading/review_detail.html",
        {
            "review": review,
            "page": page,
            "show": show,
            "error": error,
            "grades": rules.score.grades if rules.score else [],
            "levels": rules.tier.levels if rules.tier else [],
            "tier_labels": {lv.key: lv.label for lv in rules.tier.levels} if rules.tier else {},
            "grade_labels": {g.key: g.label for g in rules.score.grades} if rules.score else {},
            "notes": NOTES,
        },
    )
