"""Pages of the trade ledger: contract import."""

from typing import Any

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
    importable_kinds,
    saved_upload,
    template_response,
)


@login_required
def order_import(request: HttpRequest) -> HttpResponse:
    """导入合同明细: check a file (every bad row named), then import it all or nothing."""
    user: User = request.user  # type: ignore[assignment]
    report: OrderImportReport | MoneyImportReport | None = None
    upload = request.FILES.get("file")
    kinds = importable_kinds(user)
    if not kinds:
        raise PermissionDenied
    kind = request.POST.get("kind") or request.GET.get("kind") or kinds[0]
    context: dict[str, Any] = {"kinds": kinds, "kind": kind}
    if kind not in kinds:  # only the kinds offered; a forged choice is refused
        context["error"] = _("您没有录入该类台账的权限")
        return render(request, "trade/order_import.html", context)
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
    return render(request, "trade/order_import.html", {**context, "report": report})


@login_required
def order_import_template(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "orders")
    if kind not in importable_kinds(request.user):
        raise PermissionDenied
    return template_response(kind)
