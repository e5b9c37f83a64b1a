"""Values every page's navigation shows: the inbox and approval counts (NTF-1)."""

from django.http import HttpRequest
from django.utils import timezone

from zhike.workflow.models import Deadline, DeadlineState
from zhike.workflow.selectors import steps_waiting_for, unread_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.headers.get("HX-Request"):
        return {}  # partial updates do not redraw the navigation
    now = timezone.now()
    overdue = Deadline.objects.filter(assignee=user, state=DeadlineState.OPEN, due_at__lt=now)
    return {
        "inbox_badge": overdue.count() + unread_count(user),
        "approvals_badge": steps_waiting_for(user, now=now).count(),
    }
