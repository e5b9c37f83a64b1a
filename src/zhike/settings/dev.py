"""Development and demo: debug pages on, a fixed local secret, SQLite under ./var."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("ZHIKE_DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "zhike-dev-only-not-secret-" + "x" * 32  # noqa: F405
