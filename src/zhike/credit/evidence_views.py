"""Pages and form actions of what people vouch for and what finance finds: attesting an
eligibility item and invoicing a shipment on the shipping step; the unapproved over-limit
shipments page (CRD-1, CRD-6 s003-12 3.2)."""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
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

from . import evidence, services, unapproved
from .models import Attestation


def post_action(request: HttpRequest, user: User, customer_id: int, policy: Any) -> HttpResponse:
    """The shipping step's "attest" and "invoice" forms, then back to it."""
    post = request.POST
    try:
        if post["action"] == "attest":
            evidence.attest(
                by=user,
                customer_id=customer_id,
                requirement=post.get("requirement", "")[:30],
                evidence=post.get("evidence", "")[:300],
                upload=request.FILES.get("file"),
                valid_until=form_day(post.get("valid_until", "")),
                policy=policy,
                now=timezone.now(),
            )
            done = _("已保存授信资格证明")
        else:
            issued_on = form_day(post.get("issued_on", ""))
            shipment = post.get("shipment_id", "")
            if issued_on is None or not shipment.isdigit():
                raise RuleError(_("请填写单据编号和开票日期"), field="issued_on")
            services.shipment_invoice_issue(
                by=user,
                shipment_id=int(shipment),
                number=post.get("number", "")[:40],
                issued_on=issued_on,
                policy=policy,
            )
            done = _("已开票,转为应收账款")
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("credit-ship", customer_id)


@login_required
def attestation_file(request: HttpRequest, customer_id: int, requirement: str) -> FileResponse:
    try:
        access_customer(request.user, customer_id)  # type: ignore[arg-type]
    except CustomerNotFound:
        raise Http404 from None
    found = Attestation.objects.filter(customer_id=customer_id, requirement=requirement[:30])
    attestation = found.exclude(file="").first()
    if attestation is None:
        raise Http404
    name = (attestation.file.name or "evidence").rsplit("/", 1)[-1]
    return FileResponse(attestation.file.open("rb"), as_attachment=True, filename=name)


def _month(text: str) -> date | None:
    """The first of a month given as 2026-11; None for anything else (2026-13 too)."""
    return form_day(f"{text[:7]}-01")


@login_required
def unapproved_page(request: HttpRequest) -> HttpResponse:
    """未经审批的超授信额发货 for finance: the month's invoices no shipment accounts for,
    each to be looked into; what was found, with who bears the batch."""
    user: User = request.user  # type: ignore[assignment]
    policy = active_policy()
    if not user.has_perm(unapproved.FINANCE):
        raise Http404
    today = timezone.localdate()
    month = _month(request.GET.get("month", "")) or today.replace(day=1)
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if request.method == "POST":
        post = request.POST
        given = post.get("invoice_id", "")
        invoice = Invoice.objects.filter(pk=int(given)).first() if given.isdigit() else None
        liable = [int(v) for v in post.getlist("liable_ids") if v.isdigit()]
        try:
            if invoice is None:
                raise RuleError(_("没有这张应收单据"), field="invoice_id")
            unapproved.unapproved_record(
                by=user,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
                shipped_on=invoice.issued_on,
                amount=None,
                note=post.get("note", ""),
                liable_ids=liable,
                policy=policy,
                now=timezone.now(),
            )
        except (RuleError, CustomerNotFound) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, _("已登记,并通知承担人"))
            return redirect(f"{request.path}?month={month:%Y-%m}")
    context = {
        "month": f"{month:%Y-%m}",
        "enabled": policy.credit.enabled and policy.credit.check_at == "shipment",
        "candidates": list(unapproved.candidates(user, start=month, end=end, policy=policy)[:100]),
        "recorded": list(unapproved.recorded(user)[:100]),
        "people": users_in_scope(user).filter(is_active=True).order_by("username")[:300],
    }
    return render(request, "credit/unapproved.html", context)
