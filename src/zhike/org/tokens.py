"""API tokens and sign-in throttling for the REST API."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.db import prepared_cursor

from .models import ApiToken, Role, User
from .scopes import remember_scopes


class SignInThrottled(Exception):
    """Too many failed sign-ins for this user name from this address."""


def lockout_message() -> str:
    """What a locked-out user is told, with when to try again."""
    minutes = max(1, round(settings.ZHIKE_LOGIN_FAILURE_WINDOW / 60))
    return _("登录失败次数过多,请 %(minutes)s 分钟后再试") % {"minutes": minutes}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, request: HttpRequest, username: str, password: str) -> str | None:
    """A new bearer token for valid credentials, ``None`` for invalid ones.

    Failed attempts are counted by django-axes, per user name and address, together with
    the web login's: after ``ZHIKE_LOGIN_MAX_FAILURES`` of them even the right password
    is refused for ``ZHIKE_LOGIN_FAILURE_WINDOW`` seconds (``SignInThrottled``)."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise SignInThrottled()
    if user is None or not user.is_active:
        return None
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
WHERE t.key_hash = %s AND t.expires_at > %s AND t.revoked_at IS NULL AND u.is_active"""  # noqa: S608 (names from _meta)


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
    rows = _token_rows([touch_before, _hash(raw), now])
    if not rows:
        return None
    user = rows[0]
    remember_scopes(user, {row.role_scope for row in rows if row.role_scope})  # type: ignore[attr-defined]
    if user.token_untouched:  # type: ignore[attr-defined]
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
    return user


def _token_rows(params: list[object]) -> list[User]:
    """The token statement's rows as users, their extra columns as attributes.

    On PostgreSQL through a prepared statement: planning the four-table join at every
    request cost more than running it (0.84 ms a sign-in through ``raw()``, 0.24 ms
    prepared; twentieth session). The user's columns are plain ones, as the driver gives
    them; elsewhere (SQLite gives datetimes as text) Django's raw query converts them."""
    if connection.vendor != "postgresql":
        return list(User.objects.raw(_token_sql(), params))
    with prepared_cursor() as cursor:
        cursor.execute(_token_sql(), params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    fields = User._meta.concrete_fields
    attnames = [field.attname for field in fields]
    users = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        user = User.from_db(connection.alias, attnames, [values[f.column] for f in fields])
        for extra in ("token_id", "role_scope", "token_untouched"):
            setattr(user, extra, values[extra])
        users.append(user)
    return users


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included (a record)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))


def may_revoke_any(user: User) -> bool:
    return user.is_superuser or user.has_perm("org.delete_apitoken")


def token_revoke(*, by: User, token_id: int) -> ApiToken:
    """Revoke one token: the user's own, or anyone's for an admin. Another user's token
    is "not found" for everyone else (no existence leak)."""
    tokens = ApiToken.objects.all() if may_revoke_any(by) else ApiToken.objects.filter(user=by)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise TokenNotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(token.user, "org.token_revoked", by=by, details={"token": token.pk})
    return token


class TokenNotFound(Exception):
    """No such token among those the user may revoke."""
