"""Pages of the trade ledger: contract import."""

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhike.org.models import User
from zhike.policy.loader import active_policy

from .importing import OrderImportReport, import_orders, template_xlsx


@login_required
@permission_required("trade.add_order", raise_exception=True)
def order_import(request: HttpRequest) -> HttpResponse:
    """导入合同明细: check a file (every bad row named), then import it all or nothing."""
    user: User = request.user  # type: ignore[assignment]
    report: OrderImportReport | None = None
    upload = request.FILES.get("file")
    if request.method == "POST" and upload is not None:
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix.lower()) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            report = import_orders(
                by=user,
                path=Path(handle.name),
                filename=upload.name or "",
                policy=active_policy(),
                commit=request.POST.get("commit") == "on",
            )
    return render(request, "trade/order_import.html", {"report": report})


@login_required
def order_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.xlsx"
    return response
