"""/api/v1/auth — exchange a user name and password for a bearer token."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from zhike.api.schema import ErrorOut, In

from .models import ApiToken
from .tokens import (
    SignInThrottled,
    TokenNotFound,
    issue_token,
    lockout_message,
    token_revoke,
    tokens_of,
)

router = Router(tags=["auth"])


class Credentials(In):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", auth=None, response=TokenOut, summary="获取 API 令牌")
def obtain_token(request: HttpRequest, credentials: Credentials) -> dict[str, str]:
    try:
        token = issue_token(
            request=request, username=credentials.username, password=credentials.password
        )
    except SignInThrottled:
        raise HttpError(429, lockout_message()) from None
    if token is None:
        raise HttpError(401, _("用户名或密码错误"))
    return {"token": token}


class TokenInfoOut(Schema):
    id: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _token_info(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/tokens", response=list[TokenInfoOut], summary="我的 API 令牌")
def list_tokens(request: HttpRequest) -> list[dict]:
    return [_token_info(t) for t in tokens_of(request.user)]  # type: ignore[arg-type]


@router.delete(
    "/tokens/{id:token_id}",
    response={200: TokenInfoOut, 404: ErrorOut},
    summary="吊销 API 令牌",
)
def revoke_token(request: HttpRequest, token_id: int) -> dict:
    """Your own token; an administrator may revoke anyone's. Revoked tokens stop working
    at once; a password change or deactivation revokes all of a user's tokens."""
    try:
        token = token_revoke(by=request.user, token_id=token_id)  # type: ignore[arg-type]
    except TokenNotFound:
        raise HttpError(404, _("令牌不存在")) from None
    return _token_info(token)
