"""Values every page's navigation shows: the inbox and approval counts (NTF-1)."""

from django.http import HttpRequest
from django.utils import timezone

from zhike.workflow.selectors import navigation_badges


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.headers.get("HX-Request"):
        return {}  # partial updates do not redraw the navigation
    badges = navigation_badges(user, now=timezone.now())
    return {"inbox_badge": badges.inbox, "approvals_badge": badges.approvals}
