"""Pages of the grading module: a customer's grading page and the review workbench."""

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.grading_schema import RULED_AXES
from zhike.policy.loader import active_policy
from zhike.policy.schema import Policy
from zhike.trade.selectors import orders_for
from zhike.trade.services import LineInput, invoice_create, order_create, payment_record

from . import blacklist, reviews, selectors, services
from .admission import admission_check, admission_status
from .events import event_downgrade, problem_record
from .labels import NOTE_LABELS, note_label
from .models import AdmissionCheck, BlacklistEntry, Problem, Review, Standing
from .rules import describe
from .treatment import treatment_for

LINE_FILTERS = ("changed", "missed", "all")


def _manual_items(policy: Policy) -> list[dict[str, Any]]:
    """The ratings and attestations a person gives, with their choices."""
    rules = policy.grading
    items = [
        {
            "key": i.key,
            "label": i.label,
            "roles": i.rated_by,
            "choices": [(o.key, o.label) for o in i.options],
        }
        for i in (rules.score.indicators if rules.score else [])
        if i.options
    ]
    items += [
        {
            "key": a.key,
            "label": a.label,
            "roles": a.rated_by,
            "choices": [("yes", "是"), ("no", "否")],
        }
        for a in rules.attestations
    ]
    return items


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal((text or "").replace(",", "").strip())
    except InvalidOperation:
        raise ValueError("数量、单价、金额须为数字") from None


def _act(request: HttpRequest, user: User, customer_id: int, policy: Policy) -> None:
    """The grading page's forms, one service each (the services check every rule)."""
    post, now = request.POST, timezone.now()
    action = post.get("action", "assess")
    common: dict[str, Any] = {"by": user, "policy": policy, "now": now}
    if action == "assess":
        services.assessment_record(
            customer_id=customer_id,
            key=post.get("key", ""),
            value=post.get("value", ""),
            note=post.get("note", ""),
            **common,
        )
    elif action == "admission":
        admission_check(
            customer_id=customer_id,
            key=post.get("key", ""),
            passed=post.get("passed") == "yes",
            evidence=post.get("evidence", ""),
            attachment=request.FILES.get("attachment"),
            **common,
        )
    elif action == "problem":
        problem_record(
            customer_id=customer_id,
            kind=post.get("kind", ""),
            description=post.get("description", ""),
            severe=post.get("severe") == "on",
            **common,
        )
    elif action == "downgrade":
        event_downgrade(
            customer_id=customer_id,
            to=post.get("to", ""),
            reason=post.get("reason", ""),
            **common,
        )
    elif action == "blacklist":
        blacklist.blacklist_propose(
            customer_id=customer_id, reason=post.get("reason", ""), **common
        )
    elif action == "verify":
        months = post.get("valid_months") or None
        blacklist.blacklist_verify(
            entry_id=int(post.get("entry", 0)),
            confirmed=post.get("confirmed") == "yes",
            note=post.get("note", ""),
            valid_months=int(months) if months else None,
            **common,
        )
    elif action == "order":
        order_create(
            customer_id=customer_id,
            number=post.get("number", "").strip(),
            signed_on=date.fromisoformat(post.get("signed_on", "")),
            note=post.get("note", ""),
            lines=[
                LineInput(
                    product=post.get("product", "").strip(),
                    category=post.get("category", "").strip(),
                    quantity=_decimal(post.get("quantity")),
                    unit=post.get("unit", "").strip(),
                    price=_decimal(post.get("price")),
                    list_price=_decimal(post.get("list_price")) if post.get("list_price") else None,
                )
            ],
            by=user,
            policy=policy,
        )
    elif action == "invoice":
        due = post.get("due_on")
        invoice_create(
            by=user,
            customer_id=customer_id,
            number=post.get("number", "").strip(),
            issued_on=date.fromisoformat(post.get("issued_on", "")),
            due_on=date.fromisoformat(due) if due else None,
            amount=_decimal(post.get("amount")),
            policy=policy,
        )
    elif action == "payment":
        payment_record(
            by=user,
            customer_id=customer_id,
            received_on=date.fromisoformat(post.get("received_on", "")),
            amount=_decimal(post.get("amount")),
            reference=post.get("reference", ""),
        )
    elif action == "readmit":
        blacklist.blacklist_readmit_request(
            entry_id=int(post.get("entry", 0)), reason=post.get("reason", ""), **common
        )
    else:
        raise ValueError(action)


@login_required
def customer_grading(request: HttpRequest, customer_id: int) -> HttpResponse:
    """客户分级: the standing, the score with every indicator's band and points, the tiers
    the customer meets, manual ratings, and the history of grade changes."""
    user: User = request.user  # type: ignore[assignment]
    policy = active_policy()
    try:
        customer = access_customer(user, customer_id)
    except RuleError:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            _act(request, user, customer.pk, policy)
            return redirect("customer-grading", customer_id=customer.pk)
        except RuleError as exc:
            error = exc.message
        except ValueError:
            error = _("请检查日期(如 2026-03-01)和数字的格式")
    card = selectors.grading_card(user, customer.pk, policy=policy, today=timezone.localdate())
    rules = policy.grading
    # Each ruled axis's levels with their conditions, and which the customer meets now.
    conditions = []
    for key, met_levels in card.levels_met.items():
        axis = getattr(rules, key)
        met = {level.key for level in met_levels}
        rows = [
            {
                "label": level.label,
                "met": level.key in met,
                "criteria": [describe(c) for c in level.criteria],
                "quota": level.quota,
            }
            for level in axis.levels
        ]
        conditions.append({"name": axis.name, "rows": rows})
    user_roles = set(user.roles.values_list("code", flat=True))  # one query for every check

    def holds(roles: list[str]) -> bool:
        return user.is_superuser or bool(user_roles & set(roles))

    manual = [
        item
        | {
            "current": card.assessments.get(item["key"]),
            "may_rate": holds(item["roles"]),
        }
        for item in _manual_items(policy)
    ]
    return render(
        request,
        "grading/customer_grading.html",
        {
            "customer": customer,
            "card": card,
            "rules": rules,
            "note": note_label(card.score.note) if card.score else "",
            "labels": _labels(card, policy),
            "history": _history(card, policy),
            "treatment": treatment_for(card.standing, policy),
            "orders": list(orders_for(user, customer_id=customer.pk)[:10]),
            "admission": admission_status(customer.pk, policy),
            "admission_checks": {
                c.key: c for c in AdmissionCheck.objects.filter(customer=customer)
            },
            "may_check_admission": holds(rules.admission.checked_by) if rules.admission else False,
            "blacklist_entries": blacklist.entries_of(customer.pk),
            "may_verify_blacklist": holds([rules.blacklist.verify_role]),
            "may_propose_blacklist": user.has_perm("grading.add_blacklistentry"),
            "may_report_problem": user.has_perm("grading.add_problem"),
            "problems": Problem.objects.filter(customer=customer)[:20],
            "may_downgrade": user.has_perm("grading.run_review") and bool(rules.event_downgrade),
            "downgrade_levels": _downgrade_levels(policy),
            "conditions": conditions,
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
    for key in RULED_AXES:
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


def _downgrade_levels(policy: Policy) -> list[tuple[str, str]]:
    rule = policy.grading.event_downgrade
    if rule is None:
        return []
    axis = axis_labels(policy).get(rule.axis)
    return list(axis[1].items()) if axis else []


def _labels(card: selectors.GradingCard, policy: Policy) -> dict[str, str]:
    """Display names of the keys the card holds: its grades, and its standing on every
    ruled axis (``standing_tier``, ``standing_size_class``, ``standing_behaviour``)."""
    rules = policy.grading
    grades = {g.key: g.label for g in rules.score.grades} if rules.score else {}
    axes = axis_labels(policy)
    standing = card.standing
    labels = {
        "standing_grade": grades.get(standing.grade, "") if standing else "",
        "score_grade": grades.get(card.score.grade, "") if card.score else "",
    }
    for axis in RULED_AXES:
        values = axes.get(axis, ("", {}))[1]
        labels[f"standing_{axis}"] = values.get(getattr(standing, axis), "") if standing else ""
    return labels


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
            except RuleError as exc:
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
                    by=user,
                    review_id=review.pk,
                    customer_id=int(request.POST.get("customer_id") or 0),
                    grade=request.POST.get("grade") or None,
                    tier=request.POST.get("tier") or None,
                    comment=request.POST.get("comment", ""),
                )
            return redirect(request.get_full_path())
        except (RuleError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    policy = Policy.model_validate(review.policy)
    show = request.GET.get("show", "changed")
    show = show if show in LINE_FILTERS else "changed"
    lines = selectors.review_lines_for(user, review).select_related("customer")
    if show == "changed":
        lines = lines.filter(
            ~Q(previous_grade=F("grade"))
            | ~Q(previous_tier=F("tier"))
            | ~Q(adjusted_grade="")
            | ~Q(adjusted_tier="")
        )
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
            "notes": NOTE_LABELS,
        },
    )


@login_required
def treatment_matrix(request: HttpRequest) -> HttpResponse:
    """待遇矩阵 (GRD-10): each cell of the policy with how many customers it holds now."""
    policy = active_policy()
    treatment = policy.grading.treatment
    cells = treatment.cells if treatment else []
    user: User = request.user  # type: ignore[assignment]
    counts = dict(  # the customers the user may see, per cell, like every report
        visible_to(user, Standing.objects.exclude(priority=None))
        .values_list("priority")
        .annotate(n=Count("pk"))
        .values_list("priority", "n")
    )
    axes = axis_labels(policy)
    rows = [
        {
            "cell": cell,
            "when": [(axes[a][0], axes[a][1].get(v, v)) for a, v in cell.when.items() if a in axes],
            "customers": counts.get(cell.priority, 0),
        }
        for cell in cells
    ]
    return render(request, "grading/treatment.html", {"rows": rows, "policy": policy})


@login_required
def blacklist_page(request: HttpRequest) -> HttpResponse:
    """黑名单 (GRD-8): entries of the customers the user may see, newest first."""
    user: User = request.user  # type: ignore[assignment]
    state = request.GET.get("state", "")
    entries = visible_to(user, BlacklistEntry.objects.select_related("customer", "proposed_by"))
    if state in BlacklistEntry.State.values:
        entries = entries.filter(state=state)
    page = Paginator(entries.order_by("-proposed_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "grading/blacklist.html",
        {"page": page, "state": state, "states": BlacklistEntry.State.choices},
    )


@login_required
def admission_attachment(request: HttpRequest, check_id: int) -> FileResponse:
    """The evidence file of an admission check, for those who may see the customer."""
    user: User = request.user  # type: ignore[assignment]
    check = AdmissionCheck.objects.filter(pk=check_id).exclude(attachment="").first()
    if check is None:
        raise Http404
    try:
        access_customer(user, check.customer_id)
    except RuleError:
        raise Http404 from None
    name = Path(check.attachment.name or "evidence").name
    return FileResponse(check.attachment.open("rb"), as_attachment=True, filename=name)
