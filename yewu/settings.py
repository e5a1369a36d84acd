"""Django settings for Yewu.

`DATABASE_URL` selects the database (``sqlite:///path`` or ``postgres://...``); without it a SQLite file
in ``YEWU_DATA_DIR`` (default ``./data``) is used, in WAL mode with immediate transactions so that
concurrent writers serialise instead of failing half-way.
"""

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("YEWU_DATA_DIR", "data")).resolve()

DEBUG = os.environ.get("YEWU_DEBUG", "0") == "1"
# Demo mode: `yewu demo` (and the processes it starts), `yewu serve --dev` and the tests.
DEMO_MODE = os.environ.get("YEWU_DEMO") == "1" or "pytest" in sys.modules


def _secret_key() -> str:
    """YEWU_SECRET_KEY, or a random key kept in the data dir. There is no built-in fallback key: serving outside
    demo mode without YEWU_SECRET_KEY is refused (yewu.common.security.require_secret_key)."""
    key = os.environ.get("YEWU_SECRET_KEY", "").strip()
    if key:
        return key
    import secrets

    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:  # O_EXCL: two processes starting together agree on one key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


SECRET_KEY = _secret_key()
SECRET_KEY_FROM_ENV = bool(os.environ.get("YEWU_SECRET_KEY", "").strip())
ALLOWED_HOSTS = os.environ.get("YEWU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # the API docs page uses ninja's bundled Swagger UI files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "yewu.common",
    "yewu.org",
    "yewu.audit",
    "yewu.customers",
    "yewu.approvals",
    "yewu.orders",
    "yewu.reports",
    "yewu.catalog",
    "yewu.sales",
    "yewu.expenses",
    "yewu.finance",
    "yewu.performance",
    "yewu.processes",
    "yewu.desk",
    "yewu.service",
    "yewu.salesmgmt",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yewu.common.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "yewu.common.boundary.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yewu.org.middleware.PolicyPerRequestMiddleware",
]

ROOT_URLCONF = "yewu.urls"
WSGI_APPLICATION = "yewu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yewu.org.context.user_roles",
                "yewu.common.security.csp_nonce",
            ],
        },
    },
]


def _database():
    url = os.environ.get("DATABASE_URL")
    # Connections are kept between requests (per server thread) for this many seconds: opening one costs more than
    # most requests — on SQLite the schema is read again and the prepared reads recompiled (about 10 ms of CPU per
    # request, measured with bench/bench_orders.py), on PostgreSQL a TCP connection and authentication.
    max_age = int(os.environ.get("YEWU_DB_CONN_MAX_AGE") or 60)
    if url:
        cfg = dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=True)
        if cfg["ENGINE"] == "django.db.backends.postgresql":
            cfg["ENGINE"] = "yewu.common.postgresql_backend"  # Django's, with a health check without a round trip
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        cfg = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "yewu.sqlite3"), "CONN_MAX_AGE": max_age}
    if cfg["ENGINE"].endswith("sqlite3"):
        cfg["ENGINE"] = "yewu.common.sqlite_backend"  # Django's, with writers queued (yewu/common/sqlite_backend)
        cfg.setdefault("OPTIONS", {})
        cfg["OPTIONS"].update(
            {
                # BEGIN IMMEDIATE: a writer takes the lock up-front, so read-check-insert sequences
                # (duplicate detection, allocation) serialise instead of failing on upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            }
        )
        # In memory unless YEWU_TEST_SQLITE names a file. Said explicitly: pytest-django recognises an in-memory test
        # database only under Django's own engine name, and would otherwise name one "test_<path>_gw0".
        cfg["TEST"] = {"NAME": os.environ.get("YEWU_TEST_SQLITE") or ":memory:"}
    return cfg


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves STATIC_ROOT (`yewu serve` runs collectstatic first); without a collected copy (tests, --dev) it
# falls back to the finders.
WHITENOISE_USE_FINDERS = True
try:  # WhiteNoise warns on every start while nothing is collected yet
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
WHITENOISE_MAX_AGE = 3600

# Sessions and transport security. YEWU_HTTPS=1 when users reach Yewu over HTTPS (directly or through a proxy that
# sets X-Forwarded-Proto): cookies become Secure, HSTS is sent and plain-HTTP requests are redirected.
SESSION_COOKIE_AGE = int(float(os.environ.get("YEWU_SESSION_HOURS", "12")) * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "yewu.common.views.csrf_failure"  # JSON under /api/
HTTPS = os.environ.get("YEWU_HTTPS", "0") == "1"
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("YEWU_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("YEWU_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (yewu.org.throttle): after N failures within the window, refuse for the cool-down.
YEWU_LOGIN_MAX_FAILURES = int(os.environ.get("YEWU_LOGIN_MAX_FAILURES", "5"))  # per account
YEWU_LOGIN_MAX_FAILURES_IP = int(os.environ.get("YEWU_LOGIN_MAX_FAILURES_IP", "20"))  # per client address
YEWU_LOGIN_WINDOW_SECONDS = int(os.environ.get("YEWU_LOGIN_WINDOW_SECONDS", "900"))
YEWU_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("YEWU_LOGIN_LOCKOUT_SECONDS", "900"))
# Take the client address from the last X-Forwarded-For hop (only behind a reverse proxy that sets it).
YEWU_TRUST_X_FORWARDED_FOR = os.environ.get("YEWU_TRUST_X_FORWARDED_FOR", "0") == "1"
AUTHENTICATION_BACKENDS = ["yewu.org.throttle.ThrottledModelBackend"]

# API bearer tokens (`yewu token`): lifetime in days unless --days says otherwise.
YEWU_TOKEN_DAYS = int(os.environ.get("YEWU_TOKEN_DAYS", "90"))

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("YEWU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

if "pytest" in sys.modules:
    # Tests only: PBKDF2 costs ~0.5 s per user created (the `company` fixture makes 11); MD5 is instant.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Company policy overrides (rule parameters). Keys are SPEC setting names, e.g.
# {"price.vat_free_discount.max_pct": "6"}. Admin-edited versions (org.PolicyVersion) win over these.
YEWU_POLICY = {}
# Absolute address of this Yewu, for links in WeCom / DingTalk / e-mail notifications.
YEWU_BASE_URL = os.environ.get("YEWU_BASE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = os.environ.get("YEWU_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("YEWU_EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("YEWU_EMAIL_FROM", "yewu@localhost")

# One line per event: a refused request (4xx) is logged without its traceback; server errors (5xx) keep theirs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_one_line": {"()": "yewu.common.security.ClientErrorsOneLine"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line",
                             "filters": ["client_errors_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("YEWU_LOG_LEVEL", "WARNING")},
}
