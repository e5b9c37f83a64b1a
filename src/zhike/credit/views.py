"""Pages of credit: the shipping step (the check shown before the shipment is made out:
limit today, exposure, headroom, the decision and why), a customer's shipments, and
finance's aging table with its xlsx (CRD-3, CRD-4)."""

import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.selectors import access_customer
from zhike.dates import form_day
from zhike.errors import CustomerNotFound, RuleError
from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.policy.loader import active_policy
from zhike.trade.models import Invoice
from zhike.workflow.models import ApprovalRequest

from . import aging, evidence, evidence_views, losses, reviews, risk, selectors, services, terms
from .models import BadDebt, Shipment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e14") else None


@login_required
def ship_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The shipping step (CRD item 10): credit today, then the shipment."""
    user, policy = _user(request), active_policy()
    try:
        customer = access_customer(user, customer_id)
    except CustomerNotFound:
        raise Http404 from None
    today = timezone.localdate()
    form: dict[str, Any] = {"number": "", "amount": "", "shipped_on": today.isoformat()}
    decision = None
    if request.method == "POST" and request.POST.get("action") in ("risk", "clear"):
        return _risk_action(request, user, customer.pk, policy)
    if request.method == "POST" and request.POST.get("action") == "terms":
        return _terms_action(request, user, customer.pk, policy)
    if request.method == "POST" and request.POST.get("action") in ("attest", "invoice"):
        return evidence_views.post_action(request, user, customer.pk, policy)
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("number", "amount", "shipped_on", "repayment_plan", "liable_id")
        }
        form["prepaid"] = request.POST.get("prepaid") == "1"
        amount = _amount(form["amount"])
        shipped_on = form_day(form["shipped_on"]) or today
        if amount is None:
            messages.error(request, _("金额格式不正确"))
        elif request.POST.get("action") == "check":
            decision = services.check(
                customer, amount=amount, on=shipped_on, policy=policy, prepaid=form["prepaid"]
            )
        else:
            liable = form["liable_id"]
            try:
                shipment = services.shipment_create(
                    by=user,
                    customer_id=customer.pk,
                    number=form["number"],
                    amount=amount,
                    shipped_on=shipped_on,
                    policy=policy,
                    now=timezone.now(),
                    prepaid=form["prepaid"],
                    repayment_plan=form["repayment_plan"],
                    liable_id=int(liable) if liable.isdigit() else None,
                )
            except RuleError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, shipment.reason)
                return redirect("credit-ship", customer.pk)
    view = selectors.credit_today(
        customer, today, grade=services.grade_of(customer), policy=policy.credit
    )
    context = {
        "customer": customer,
        "credit": view,
        "labels": selectors.BUCKET_LABELS,
        "form": form,
        "decision": decision,
        "shipments": list(
            selectors.shipments_for(user)
            .filter(customer=customer)
            .select_related("liable")
            .order_by("-shipped_on", "-id")[:20]
        ),
        "people": users_in_scope(user).order_by("username")[:300],
        "enabled": policy.credit.enabled,
        "signal": risk.open_signal(customer.pk),
        "rating": view.level,
        "ratings": reviews.rating_history(customer.pk) if policy.credit.enabled else [],
        "special": list(customer.special_terms.order_by("-requested_at")[:5]),
        "terms_in_force": terms.terms_in_force(customer.pk, today),
        "may_clear": user.has_perm(risk.CLEAR),
        "checklist": evidence.checklist(customer, today, policy=policy)
        if policy.credit.enabled
        else [],
        "may_attest": evidence.may_attest(user, policy),
        "may_invoice": user.has_perm("trade.add_invoice"),
    }
    return render(request, "credit/ship.html", context)


def _terms_action(request: HttpRequest, user: User, customer_id: int, policy: Any) -> HttpResponse:
    """Ask for special terms (a limit above the formula's until a day), then back."""
    text = request.POST.get("limit", "").strip()
    limit = _amount(text) if text else None
    days = request.POST.get("payment_days", "").strip()
    until = form_day(request.POST.get("valid_until", ""))
    if (text and limit is None) or (days and not days.isdigit()) or until is None:
        messages.error(request, _("请填写特批授信额或款期(天),以及有效期"))
        return redirect("credit-ship", customer_id)
    try:
        terms.terms_request(
            by=user,
            customer_id=customer_id,
            limit=limit,
            payment_days=int(days) if days else None,
            valid_until=until,
            reason=request.POST.get("reason", ""),
            policy=policy,
            now=timezone.now(),
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("特殊信用协议已提交审批"))
    return redirect("credit-ship", customer_id)


def _risk_action(request: HttpRequest, user: User, customer_id: int, policy: Any) -> HttpResponse:
    """Report a refusal or clear one (CRD-7), then back to the shipping step."""
    now = timezone.now()
    try:
        if request.POST["action"] == "risk":
            note = request.POST.get("note", "")
            risk.risk_report(by=user, customer_id=customer_id, note=note, policy=policy, now=now)
        else:
            reason = request.POST.get("reason", "")
            risk.risk_clear(by=user, customer_id=customer_id, reason=reason, now=now)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("credit-ship", customer_id)


@login_required
def aging_page(request: HttpRequest) -> HttpResponse:
    user, policy = _user(request), active_policy()
    if not (user.has_perm("trade.add_invoice") or user.has_perm("archive.view_customer_phone")):
        raise Http404
    by = request.GET.get("by", "customer")
    if by not in aging.GROUPS:
        by = "customer"
    on = form_day(request.GET.get("on", "")) or timezone.localdate()
    table = aging.aging(user, on=on, by=by, policy=policy, limit=500)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        aging.write_xlsx(table, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="aging-{on:%Y%m%d}.xlsx"'
        return response
    rows = [(row, list(zip(table.labels, row.buckets, strict=True))) for row in table.rows]
    context = {"table": table, "rows": rows, "by": by, "on": on.isoformat()}
    return render(request, "credit/aging.html", context)


@login_required
def over_limit_form(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """超授信额发货申请表 (issue 16 item 10, s003-12 2.2), to print: the shipment, the
    limit and what was used, the share over it, who is liable, the repayment plan, and the
    regional manager's signature as the approval recorded it."""
    user = _user(request)
    shipment = (
        selectors.shipments_for(user)
        .filter(pk=shipment_id, outcome__in=["first_over", "last_over"])
        .select_related("customer", "liable", "created_by")
        .first()
    )
    if shipment is None:
        raise Http404
    request_ = (
        ApprovalRequest.objects.filter(
            kind=services.APPROVAL_KIND,
            content_type=ContentType.objects.get_for_model(Shipment),
            object_id=shipment.pk,
        )
        .order_by("-id")
        .first()
    )
    steps = (
        list(request_.steps.select_related("acted_by").order_by("round", "position"))
        if request_
        else []
    )
    over = shipment.exposure + shipment.amount - shipment.limit
    context = {
        "s": shipment,
        "over": max(over, Decimal(0)),
        "share": (shipment.amount * 100 / shipment.limit).quantize(Decimal("0.1"))
        if shipment.limit
        else None,
        "approval": request_,
        "steps": steps,
        "policy": active_policy(),
    }
    return render(request, "credit/over_limit_form.html", context)


@login_required
def bad_debts_page(request: HttpRequest) -> HttpResponse:
    """坏账 (CRD-6) for finance: record one against an invoice by its number, see who bears
    what, and each person's total of the year."""
    user, policy = _user(request), active_policy()
    if not user.has_perm("trade.add_invoice"):
        raise Http404
    if request.method == "POST":
        number = request.POST.get("number", "").strip()
        invoice = Invoice.objects.filter(number=number).values_list("pk", flat=True).first()
        amount = _amount(request.POST.get("amount", ""))
        if invoice is None:
            messages.error(request, _("没有这张应收单据"))
        elif amount is None:
            messages.error(request, _("金额格式不正确"))
        else:
            try:
                losses.bad_debt_record(
                    by=user,
                    invoice_id=invoice,
                    amount=amount,
                    reason=request.POST.get("reason", ""),
                    policy=policy,
                    now=timezone.now(),
                )
            except RuleError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已登记坏账"))
                return redirect("credit-bad-debts")
    year = timezone.localdate().year
    debts = list(
        BadDebt.objects.select_related("invoice__customer", "by").order_by("-at", "-id")[:100]
    )
    wanted = {share["user"] for debt in debts for share in debt.shares}
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=wanted)}
    borne: dict[str, Decimal] = {}
    for debt in debts:
        if debt.at.year != year:
            continue
        for share in debt.shares:
            name = people.get(share["user"], "—")
            borne[name] = borne.get(name, Decimal(0)) + Decimal(share["amount"])
    rows = [
        (d, [(people.get(share["user"], "—"), Decimal(share["amount"])) for share in d.shares])
        for d in debts
    ]
    context = {"rows": rows, "borne": sorted(borne.items(), key=lambda kv: -kv[1]), "year": year}
    return render(request, "credit/bad_debts.html", context)
