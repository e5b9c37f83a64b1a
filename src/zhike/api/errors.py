"""One error shape for every 4xx: {"code", "message", "errors": [{"field", "message"}]}.

5xx answers carry a fixed message and never a trace.
"""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from zhike.errors import RuleError

logger = logging.getLogger("zhike.api")

STATUS_FOR_CODE = {"not_found": 404, "permission_denied": 403, "throttled": 429, "conflict": 409}

FIELD_MESSAGES = {
    "extra_forbidden": "不允许设置此字段",
    "missing": "必填项",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "enum": "无效的选项",
    "literal_error": "无效的选项",
    "control_character": "不能包含控制字符",
    "string_too_short": "内容过短",
    "too_short": "项目过少",
    "too_long": "项目过多",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_digits": "数字位数过多",
    "decimal_max_places": "小数位数过多",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601,如 2026-12-01T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601,如 2026-12-01T09:30:00+08:00",
    "datetime_type": "时间格式应为 ISO 8601,如 2026-12-01T09:30:00+08:00",
    "timezone_aware": "时间须带时区,如 +08:00",
    "uuid_parsing": "编号格式错误",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "json_invalid": "JSON 格式错误",
    "json_type": "JSON 格式错误",
}
# Any other pydantic problem: not its English text in a Chinese interface.
OTHER_FIELD_MESSAGE = "格式错误"


def error_body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def error_response(code: str, message: str, status: int) -> JsonResponse:
    """The error shape as a response, for answers given outside the API's handlers
    (middleware, django-axes' lockout)."""
    return JsonResponse(
        error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _field_errors(detail: list[dict[str, Any]]) -> list[dict[str, str]]:
    errors = []
    for item in detail:
        # loc is ("body", "payload", "owner") or ("query", "limit"): drop the wrappers.
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path")]
        if loc and loc[0] in ("payload", "data", "filters"):
            loc = loc[1:]
        field = ".".join(loc)
        message = _(FIELD_MESSAGES.get(item.get("type", ""), OTHER_FIELD_MESSAGE))
        errors.append({"field": field, "message": message})
    return errors


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request, 400, error_body("invalid", _("提交的数据有误"), _field_errors(exc.errors))
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, error_body("unauthenticated", _("请先登录或提供有效令牌")))

    @api.exception_handler(RuleError)
    def business(request: HttpRequest, exc: RuleError) -> HttpResponse:
        status = STATUS_FOR_CODE.get(exc.code, 400)
        errors = [{"field": f, "message": m} for f, m in exc.errors]
        return respond(request, status, error_body(exc.code, exc.message, errors))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("资源不存在")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc) == "Cannot parse request body":  # ninja's
            return respond(request, 400, error_body("invalid", _("请求内容无法解析")))
        code = {
            401: "unauthenticated",
            403: "permission_denied",
            404: "not_found",
            429: "throttled",
        }.get(exc.status_code, "error")
        return respond(request, exc.status_code, error_body(code, str(exc)))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, error_body("too_large", _("提交的内容过大")))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, error_body("server_error", _("服务器内部错误,请稍后重试")))
