"""API authentication: a bearer token, or the web UI's session (with CSRF)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .tokens import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), SessionAuth()]
