"""The web shell: workbench and health check. Domain pages live in their apps' views."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache

from zhike import regions
from zhike.api.errors import error_response
from zhike.archive.selectors import customer_count
from zhike.org.models import User
from zhike.org.tokens import lockout_message
from zhike.servicedesk.selectors import HANDLE, handling_summary
from zhike.workflow.selectors import inbox_for


@cache_control(public=True, max_age=86400)
def regions_json(request: HttpRequest) -> JsonResponse:
    """The province / city / district picker's data (GB/T 2260, zhike.regions)."""
    return JsonResponse(regions.as_json(), safe=False, json_dumps_params={"ensure_ascii": False})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with JSON when the app and its database answer; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    context = {
        "inbox": inbox_for(user, now=now, limit=10),
        "my_customer_count": customer_count(user),
        # The complaints in the person's hands (SRV-10), for those who handle them.
        "complaints": handling_summary(user, now=now) if user.has_perm(HANDLE) else None,
        "now": now,
    }
    return render(request, "web/workbench.html", context)


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in on the web: the login page again, saying
    when to retry (429); the API's token endpoint gets 429 in the API's error shape."""
    if request.path.startswith("/api/"):
        return error_response("throttled", lockout_message(), 429)
    form = AuthenticationForm(request, data=request.POST or None)
    context = {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "web/login.html", context, status=429)
