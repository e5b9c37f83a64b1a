"""Encrypting personal identifiers at rest (SEC-5): Fernet (AES-128-CBC + HMAC) for the
value, HMAC-SHA256 for exact lookup. Keys come from ZHIKE_FIELD_KEY, or are derived from
SECRET_KEY when it is not set (then rotating SECRET_KEY needs a re-encryption)."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _keys() -> tuple[Fernet, bytes]:
    secret = (getattr(settings, "ZHIKE_FIELD_KEY", "") or settings.SECRET_KEY).encode()
    encryption = hashlib.sha256(b"zhike-field-encryption|" + secret).digest()
    lookup = hashlib.sha256(b"zhike-field-lookup|" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(encryption)), lookup


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _keys()[0].decrypt(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str:
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest() if value else ""
