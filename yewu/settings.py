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

SECRET_KEY = os.environ.get("YEWU_SECRET_KEY", "yewu-demo-insecure-key-change-me-in-production-0123456789")
DEBUG = os.environ.get("YEWU_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("YEWU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "yewu.common.boundary.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]


def _database():
    url = os.environ.get("DATABASE_URL")
    if url:
        cfg = dj_database_url.parse(url, conn_max_age=60)
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        cfg = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "yewu.sqlite3")}
    if cfg["ENGINE"].endswith("sqlite3"):
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
        cfg["TEST"] = {"NAME": os.environ.get("YEWU_TEST_SQLITE") or None}
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YEWU_LOG_LEVEL", "WARNING")},
}
