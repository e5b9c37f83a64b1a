"""/api/v1/auth — exchange a user name and password for a bearer token."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from zhike.api.schema import In

from .tokens import SignInThrottled, issue_token

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
            username=credentials.username,
            password=credentials.password,
            address=request.META.get("REMOTE_ADDR", ""),
        )
    except SignInThrottled:
        raise HttpError(429, _("登录失败次数过多,请稍后再试")) from None
    if token is None:
        raise HttpError(401, _("用户名或密码错误"))
    return {"token": token}
