"""API tokens and sign-in throttling for the REST API."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils import timezone

from .models import ApiToken, User


class SignInThrottled(Exception):
    """Too many failed sign-ins for this user name from this address."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _failure_key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()
    return f"zhike:signin-failures:{digest}"


def issue_token(*, username: str, password: str, address: str) -> str | None:
    """A new bearer token for valid credentials, ``None`` for invalid ones.

    After ``ZHIKE_LOGIN_MAX_FAILURES`` failures for one user name from one address within
    ``ZHIKE_LOGIN_FAILURE_WINDOW`` seconds, even the right password is refused until the
    window passes, so passwords cannot be guessed at speed.
    """
    key = _failure_key(username, address)
    if cache.get(key, 0) >= settings.ZHIKE_LOGIN_MAX_FAILURES:
        raise SignInThrottled()
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        cache.add(key, 0, settings.ZHIKE_LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.ZHIKE_LOGIN_FAILURE_WINDOW)
        return None
    cache.delete(key)
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=_hash(raw),
        expires_at=timezone.now() + timedelta(days=settings.ZHIKE_API_TOKEN_DAYS),
    )
    return raw


def user_for_token(raw: str) -> User | None:
    """The active user a valid, unexpired token belongs to.

    The token's ``last_used_at`` is written at most once per ``ZHIKE_API_TOKEN_TOUCH``
    seconds: a write on every request would cost more than most requests. The user's
    department is left to load on demand (only a department-wide scope needs it)."""
    now = timezone.now()
    found = ApiToken.objects.select_related("user").filter(
        key_hash=_hash(raw), expires_at__gt=now, user__is_active=True
    )[:1]
    token = next(iter(found), None)
    if token is None:
        return None
    touch = timedelta(seconds=settings.ZHIKE_API_TOKEN_TOUCH)
    if token.last_used_at is None or now - token.last_used_at >= touch:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
