"""Development and demo: a fixed local secret, SQLite under ./var. The demo is what a new
user sees, so it shows zhike's own error pages, never a traceback; a developer turns
Django's debug pages on with ZHIKE_DEBUG=1."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("ZHIKE_DEBUG", "0") == "1"
SECRET_KEY = SECRET_KEY or "zhike-dev-only-not-secret-" + "x" * 32  # noqa: F405
