"""Tests: the same engines as production (SQLite file or PostgreSQL from DATABASE_URL)."""

from .base import *  # noqa: F403

SECRET_KEY = "zhike-test-secret-" + "t" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not ':memory:', so that concurrency tests use real WAL locking from threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
# The policy is the configured file in tests (query counts stay fixed); the version
# lookup is tested on its own (tests/test_policy_versions.py).
ZHIKE_POLICY_REFRESH_SECONDS = None
