"""Values every page's navigation shows."""

from django.http import HttpRequest

from zhike.workflow.selectors import unread_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": unread_count(user)}
