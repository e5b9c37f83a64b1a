"""Pages of the trade ledger: contract import."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhike.org.models import User
from zhike.policy.loader import active_policy

from .importing import (
    MoneyImportReport,
    OrderImportReport,
    import_money,
    import_orders,
    saved_upload,
    template_response,
)


@login_required
def order_import(request: HttpRequest) -> HttpResponse:
    """导入合同明细: check a file (every bad row named), then import it all or nothing."""
    user: User = request.user  # type: ignore[assignment]
    report: OrderImportReport | MoneyImportReport | None = None
    upload = request.FILES.get("file")
    if not any(user.has_perm(f"trade.add_{k}") for k in ("order", "invoice", "payment")):
        raise PermissionDenied
    kind = request.POST.get("kind", "orders")
    needed = {"orders": "trade.add_order", "invoices": "trade.add_invoice"}
    if not user.has_perm(needed.get(kind, "trade.add_payment")):
        return render(request, "trade/order_import.html", {"error": _("您没有录入该类台账的权限")})
    if request.method == "POST" and upload is not None:
        with saved_upload(upload) as path:
            commit = request.POST.get("commit") == "on"
            if kind in ("invoices", "payments"):
                report = import_money(
                    by=user,
                    path=path,
                    filename=upload.name or "",
                    kind=kind,
                    commit=commit,
                    policy=active_policy(),
                )
            else:
                report = import_orders(
                    by=user,
                    path=path,
                    filename=upload.name or "",
                    policy=active_policy(),
                    commit=commit,
                )
    return render(request, "trade/order_import.html", {"report": report, "kind": kind})


@login_required
def order_import_template(request: HttpRequest) -> HttpResponse:
    return template_response()
