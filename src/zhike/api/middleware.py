"""Errors Django answers before the API sees the request (unknown path, wrong method) get
the API's error shape too, so clients handle every 4xx the same way."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .errors import error_response

API_PREFIX = "/api/"
MESSAGES = {
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
}


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in MESSAGES
            and response.get("Content-Type", "").split(";")[0] != "application/json"
        ):
            code, message = MESSAGES[response.status_code]
            shaped = error_response(code, _(message), response.status_code)
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
