"""API tokens and sign-in throttling for the REST API."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import ApiToken, Role, User
from .scopes import remember_scopes


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


@functools.cache
def _token_sql() -> str:
    """The user of a token, one row per role with the role's data scope."""
    q = connection.ops.quote_name
    user, token, role = User._meta, ApiToken._meta, Role._meta
    roles = User.roles.through._meta
    return f"""
SELECT u.*, t.id AS token_id, r.scope AS role_scope,
       CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END
           AS token_untouched
FROM {q(token.db_table)} t
JOIN {q(user.db_table)} u ON u.id = t.user_id
LEFT JOIN {q(roles.db_table)} ur ON ur.user_id = u.id
LEFT JOIN {q(role.db_table)} r ON r.id = ur.role_id
WHERE t.key_hash = %s AND t.expires_at > %s AND u.is_active"""  # noqa: S608 (names from _meta)


def user_for_token(raw: str) -> User | None:
    """The active user a valid, unexpired token belongs to, with the data scopes of the
    user's roles already read (``org.scopes.user_scopes`` finds them on the user).

    Every API request starts here, so this is one statement written out: as two ORM
    queries (token with user, then the roles' scopes) it took a fifth of a list request,
    mostly compiling them. The token's ``last_used_at`` is written at most once per
    ``ZHIKE_API_TOKEN_TOUCH`` seconds: a write per request would cost more than most
    requests."""
    now = timezone.now()
    touch_before = now - timedelta(seconds=settings.ZHIKE_API_TOKEN_TOUCH)
    rows = list(User.objects.raw(_token_sql(), [touch_before, _hash(raw), now]))
    if not rows:
        return None
    user = rows[0]
    remember_scopes(user, {row.role_scope for row in rows if row.role_scope})  # type: ignore[attr-defined]
    if user.token_untouched:  # type: ignore[attr-defined]
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
    return user
