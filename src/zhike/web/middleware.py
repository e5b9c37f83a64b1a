"""Chinese first (the interface is zh-hans unless the user picked another language), and
no control character in a query string or a plain form."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from zhike.api.errors import error_response
from zhike.text import has_control_characters


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but ignores the browser's Accept-Language: an
    English-language browser in a Chinese company still gets the Chinese interface
    (zh-hans), and the language switch (a cookie) is the only way to change it."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseBadInputMiddleware:
    """Input no view should see, refused with 400 before any view runs:
    - a query string or URL-encoded form holding a control character (zhike.text): such a
      value breaks PostgreSQL (NUL) and exports. JSON bodies are checked by the API's
      schemas, uploaded files by their readers;
    - a multipart body without its boundary, which Django cannot parse (django-axes reads
      the form of a failed sign-in, and that read raised)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        params = request.content_params or {}
        if request.content_type == "multipart/form-data" and not params.get("boundary"):
            return self._refuse(request, _("请求内容无法解析"))
        sources = [request.GET]
        if request.content_type == "application/x-www-form-urlencoded":
            sources.append(request.POST)
        for source in sources:
            if any(has_control_characters([k, *v]) for k, v in source.lists()):
                return self._refuse(request, _("提交的内容不能包含控制字符"))
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return error_response("invalid", message, 400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
