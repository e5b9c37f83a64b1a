"""Chinese first (the interface is zh-hans unless the user picked another language), and
no control character in a query string or a plain form."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

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


class RefuseControlCharactersMiddleware:
    """A query string or URL-encoded form holding a control character is refused with 400
    before any view runs (zhike.text): such a value breaks PostgreSQL (NUL) and exports.
    JSON bodies are checked by the API's schemas, uploaded files by their readers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sources = [request.GET]
        if request.content_type == "application/x-www-form-urlencoded":
            sources.append(request.POST)
        for source in sources:
            if any(has_control_characters([k, *v]) for k, v in source.lists()):
                return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        message = _("提交的内容不能包含控制字符")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "invalid", "message": message, "errors": []},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
