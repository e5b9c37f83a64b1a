"""Settings shared by every profile; everything a deployment changes comes from the environment.

Profiles: ``zhike.settings.dev`` (demo and development, the default of the ``zhike`` command),
``zhike.settings.test`` and ``zhike.settings.production``.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Runtime files (SQLite database, job queue folders, caches) live under ./var of the
# directory zhike is started from, unless ZHIKE_VAR_DIR says otherwise.
VAR_DIR = Path(os.environ.get("ZHIKE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("ZHIKE_SECRET_KEY", "")
DEBUG = env_bool("ZHIKE_DEBUG", False)
ALLOWED_HOSTS = env_list("ZHIKE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ZHIKE_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "zhike.audit",
    "zhike.org",
    "zhike.policy",
    "zhike.workflow",
    "zhike.policy.revisions",
    "zhike.engagement",
    "zhike.archive",
    "zhike.trade",
    "zhike.grading",
    "zhike.ownership",
    "zhike.credit",
    "zhike.servicedesk",
    "zhike.analytics",
    "zhike.api",
    "zhike.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhike.web.middleware.ChineseFirstLocaleMiddleware",
    "zhike.web.middleware.RefuseBadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhike.api.middleware.ApiErrorShapeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhike.urls"
WSGI_APPLICATION = "zhike.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhike.web.context_processors.navigation",
            ],
        },
    }
]


def sqlite_database(path: Path) -> Any:
    """SQLite tuned for a small office server: WAL so readers never wait for the writer,
    FULL sync so a power cut loses nothing committed, IMMEDIATE transactions so two writers
    queue on the busy timeout instead of failing with 'database is locked' mid-transaction."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Reuse the connection within a worker: opening one runs the PRAGMAs below.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        },
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections: a new PostgreSQL connection per request costs more than
    # most of zhike's queries (measured 8x on the list API).
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
    # Statements run through zhike.db.prepared_cursor (the hot, fixed ones: a claim) are
    # planned once per connection after this many runs. Django's own cursors bind on the
    # client and are never prepared whatever this says. 0 ("off") behind a connection
    # pooler in transaction mode that does not keep prepared statements (PgBouncer < 1.21).
    _prepare = os.environ.get("ZHIKE_DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None if _prepare in ("0", "off") else int(_prepare)
    )
    # What a person waits on is planned without parallel workers: under many users they
    # take the cores other requests need, and a search's count took 34–42 ms with two
    # where one process took 14–18 ms. A job asks for them back (zhike.db.parallel_plans).
    # Set when the connection opens: it costs a request nothing (a server setting, so a
    # connection pooler in transaction mode must let it through, or set it on the role).
    _options = DATABASES["default"]["OPTIONS"]
    _workers = int(os.environ.get("ZHIKE_DB_PARALLEL_WORKERS", "0"))
    _options["options"] = " ".join(
        filter(None, [_options.get("options"), f"-c max_parallel_workers_per_gather={_workers}"])
    )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": sqlite_database(
            Path(os.environ.get("ZHIKE_SQLITE_PATH", VAR_DIR / "zhike.sqlite3"))
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
# django-axes first: it refuses a locked-out user name and address before any password is
# checked, for the web login and the API's token endpoint alike (org.tokens).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "zhike.org.backends.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("ZHIKE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["zhike.formats"]  # 1,200,000.00 for amounts in Chinese

# The complaint mailbox (SRV-1), read by IMAP: imap://user:password@host:143/INBOX, or
# imaps:// for TLS. Empty: no mailbox is read.
ZHIKE_COMPLAINT_MAILBOX = os.environ.get("ZHIKE_COMPLAINT_MAILBOX", "")

STATIC_URL = "static/"
# Uploaded evidence (admission licences…): never served as static files; a view checks the
# data scope before it sends one.
MEDIA_ROOT = Path(os.environ.get("ZHIKE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("ZHIKE_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served by the app itself (WhiteNoise) straight from the package, so a
# fresh install needs no collectstatic and no CDN.
WHITENOISE_USE_FINDERS = True
if not os.environ.get("ZHIKE_STATIC_ROOT"):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it to exist

# Shared between web processes: Redis when configured, else a folder on this machine.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy (Django's built-in middleware): nothing from other origins, no
# inline script; the nonce is for the few inline <script> blocks we must keep.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Background jobs (Celery) -------------------------------------------------------------
# With no broker configured, jobs go through a folder queue under ./var (kombu's filesystem
# transport): the web process and the embedded worker that `zhike demo`/`zhike serve` start
# share it, so no extra server is needed. Set CELERY_BROKER_URL=redis://… for real workers.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_EMBEDDED = CELERY_BROKER_URL.startswith("filesystem://")
_queue_dir = VAR_DIR / "jobs" / "queue"
_processed_dir = VAR_DIR / "jobs" / "processed"
# kombu keeps its exchange tables in ./control unless told otherwise: under ./var, not in
# whatever directory zhike was started from.
_control_dir = VAR_DIR / "jobs" / "control"
if CELERY_EMBEDDED:
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
    if CELERY_EMBEDDED
    else {"visibility_timeout": 3600}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "jobs" / "beat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- zhike --------------------------------------------------------------------------------
# The company policy (POL-1): a TOML file, or the name of a shipped preset.
ZHIKE_POLICY = os.environ.get("ZHIKE_POLICY", "general")
# How often (seconds) a process looks for a newly approved policy version in force (POL-3);
# None: never, the file above alone.
ZHIKE_POLICY_REFRESH_SECONDS: int | None = 30
# PostgreSQL work_mem for a grading review's transaction: its aggregates over millions of
# ledger lines stay in memory instead of spilling to disk (bench/review.py).
ZHIKE_REVIEW_WORK_MEM = os.environ.get("ZHIKE_REVIEW_WORK_MEM", "256MB")
# Sign-in throttling (django-axes), web and API alike: this many failed attempts for one
# user name from one address lock that pair out for the window (seconds).
ZHIKE_LOGIN_MAX_FAILURES = int(os.environ.get("ZHIKE_LOGIN_MAX_FAILURES", "5"))
ZHIKE_LOGIN_FAILURE_WINDOW = int(os.environ.get("ZHIKE_LOGIN_FAILURE_WINDOW", "900"))
AXES_FAILURE_LIMIT = ZHIKE_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=ZHIKE_LOGIN_FAILURE_WINDOW)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhike.web.views.locked_out"
# The duplicate check (查重) tells whether a phone or name is someone's customer: at most
# this many checks per user within the window (seconds).
ZHIKE_DUPLICATE_CHECKS = int(os.environ.get("ZHIKE_DUPLICATE_CHECKS", "60"))
ZHIKE_DUPLICATE_CHECK_WINDOW = int(os.environ.get("ZHIKE_DUPLICATE_CHECK_WINDOW", "3600"))
ZHIKE_API_TOKEN_DAYS = int(os.environ.get("ZHIKE_API_TOKEN_DAYS", "30"))
# How often a token's "last used" time is written (seconds): once per request would
# cost more than the request.
ZHIKE_API_TOKEN_TOUCH = int(os.environ.get("ZHIKE_API_TOKEN_TOUCH", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Search terms and numbers in logged URLs are scrubbed (SEC-5).
    "filters": {
        "personal": {"()": "zhike.logscrub.ScrubPersonalQueries"},
        "client_errors": {"()": "zhike.logscrub.NoTracebackForClientErrors"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIKE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers for these print the request line as it came.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console"],
            "level": "WARNING",
            "propagate": False,
            "filters": ["client_errors"],
        },
    },
}
# The site's address, for links in e-mails and robot messages.
ZHIKE_BASE_URL = os.environ.get("ZHIKE_BASE_URL", "http://127.0.0.1:8000")


# E-mail (NTF-2). Without ZHIKE_SMTP_HOST mail is printed to the console (demo, dev);
# the production profile always uses SMTP (default: the machine's own MTA on port 25).
def smtp_mailer(host: str) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": host,
            "port": int(os.environ.get("ZHIKE_SMTP_PORT", "465" if host != "localhost" else "25")),
            "username": os.environ.get("ZHIKE_SMTP_USER", ""),
            "password": os.environ.get("ZHIKE_SMTP_PASSWORD", ""),
            "use_ssl": env_bool("ZHIKE_SMTP_SSL", host != "localhost"),
            "timeout": 20,
        },
    }


MAILERS = {
    "default": smtp_mailer(os.environ["ZHIKE_SMTP_HOST"])
    if os.environ.get("ZHIKE_SMTP_HOST")
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.environ.get("ZHIKE_MAIL_FROM", "zhike@localhost")
# Encrypts ID numbers at rest; derived from the SECRET_KEY when empty.
ZHIKE_FIELD_KEY = os.environ.get("ZHIKE_FIELD_KEY", "")
ZHIKE_EXPORT_SYNC_LIMIT = int(
    os.environ.get("ZHIKE_EXPORT_SYNC_LIMIT", "10000")
)  # larger exports run as jobs
# Lists count matches up to this many, then say "1,000+": an exact count of a
# salesperson's 300,000 customers costs more than the page, and even counting to 10,000
# on the index took more database time than the page itself (1.8 ms at 1M customers).
ZHIKE_LIST_COUNT_CAP = int(os.environ.get("ZHIKE_LIST_COUNT_CAP", "1000"))
# Parallel workers per step for a job's big statement (zhike.db.parallel_plans).
ZHIKE_JOB_PARALLEL_WORKERS = int(os.environ.get("ZHIKE_JOB_PARALLEL_WORKERS", "2"))
# A search probes this many of the scope's newest customers first (archive.search_plan); a
# term found there reads on in id order up to the window's size, a rarer one goes to the
# search indexes.
ZHIKE_SEARCH_PROBE = int(os.environ.get("ZHIKE_SEARCH_PROBE", "200"))
ZHIKE_SEARCH_WINDOW = int(os.environ.get("ZHIKE_SEARCH_WINDOW", "4000"))
# Import uploads: the largest file accepted; how long a running job may go without a
# heartbeat before it is taken for dead (seconds); how long a checked file waits for its
# confirmation (days).
ZHIKE_IMPORT_MAX_BYTES = int(os.environ.get("ZHIKE_IMPORT_MAX_BYTES", str(64 << 20)))
ZHIKE_IMPORT_STALE_SECONDS = int(os.environ.get("ZHIKE_IMPORT_STALE_SECONDS", "600"))
ZHIKE_IMPORT_UNCONFIRMED_DAYS = int(os.environ.get("ZHIKE_IMPORT_UNCONFIRMED_DAYS", "7"))
# The most rows one import file may hold.
ZHIKE_IMPORT_MAX_ROWS = int(os.environ.get("ZHIKE_IMPORT_MAX_ROWS", "1000000"))
# Uploaded customer files up to this size are checked within the request; larger ones by
# a job with a progress bar.
ZHIKE_IMPORT_INLINE_BYTES = int(os.environ.get("ZHIKE_IMPORT_INLINE_BYTES", str(1 << 20)))
