"""Production: HTTPS only, secrets from the environment, DEBUG impossible.

``zhike serve`` uses this profile. Behind a TLS-terminating proxy set
ZHIKE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool, smtp_mailer

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "ZHIKE_SECRET_KEY must be set to a random string of at least 50 characters "
        "(生产环境必须设置至少 50 个字符的随机 ZHIKE_SECRET_KEY)."
    )

SECURE_SSL_REDIRECT = env_bool("ZHIKE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("ZHIKE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
if env_bool("ZHIKE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
MAILERS = {"default": smtp_mailer(os.environ.get("ZHIKE_SMTP_HOST", "localhost"))}
