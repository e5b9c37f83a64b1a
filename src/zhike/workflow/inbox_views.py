"""Pages of a person's inbox (NTF-1): notices (open one, read all) and personal to-dos."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhike.dates import form_moment
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import selectors
from .notices import notice_mark_read, notices_mark_all_read, safe_link
from .todos import todo_add, todo_done

PAGE = 30


@login_required
def notices_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    page = min(page, 1000)
    rows = list(selectors.notices_of(user)[(page - 1) * PAGE : page * PAGE + 1])
    context = {
        "notices": rows[:PAGE],
        "page": page,
        "has_next": len(rows) > PAGE,
        "unread": selectors.unread_count(user),
    }
    return render(request, "workflow/notices.html", context)


@login_required
def notice_open(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Opening a notice marks it read, then goes where it points (the notices page when it
    points nowhere inside zhike)."""
    user: User = request.user  # type: ignore[assignment]
    notice = notice_mark_read(user=user, notice_id=notice_id, now=timezone.now())
    if notice is None:
        raise Http404
    return redirect(safe_link(notice.link) or "notices")


@login_required
@require_POST
def notices_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    count = notices_mark_all_read(user=user, now=timezone.now())
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect(safe_link(request.POST.get("next", "")) or "notices")


def _due_at(request: HttpRequest) -> datetime | None:
    try:
        return form_moment(request.POST.get("due_at", ""))
    except ValueError:
        return None


@login_required
def todos_page(request: HttpRequest) -> HttpResponse:
    """全部待办: every open item, overdue first, in the workbench's order."""
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    try:
        page = min(max(1, int(request.GET.get("page", "1"))), 1000)
    except ValueError:
        page = 1
    rows = list(selectors.open_items_of(user)[(page - 1) * PAGE : page * PAGE + 1])
    items = rows[:PAGE]
    context = {
        "overdue": [d for d in items if d.due_at < now],
        "due": [d for d in items if d.due_at >= now],
        "page": page,
        "has_next": len(rows) > PAGE,
    }
    return render(request, "workflow/todos.html", context)


@login_required
@require_POST
def todo_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    due_at = _due_at(request)
    if due_at is None:
        messages.error(request, _("请填写到期时间,如 2026-12-01 18:00"))
    else:
        try:
            todo_add(
                by=user,
                title=request.POST.get("title", ""),
                due_at=due_at,
                now=timezone.now(),
                policy=active_policy(),
            )
        except RuleError as exc:
            messages.error(request, "；".join(m for _f, m in exc.errors) or exc.message)
        else:
            messages.success(request, _("已添加待办"))
    return redirect("workbench")


@login_required
@require_POST
def todo_close(request: HttpRequest, todo_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        todo_done(by=user, todo_id=todo_id, now=timezone.now())
    except RuleError as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(exc.message, status=400)
        messages.error(request, exc.message)
        return redirect("workbench")
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # htmx swaps the item out
    return redirect("workbench")
