"""Settings for jingxi: one file, read from environment variables.

Every setting a deployment may change is a `JINGXI_*` variable; `.env.example`
lists them with comments. Defaults give the embedded set-up that `make run`
starts: SQLite under `var/`, in-process jobs on SQLite, no tile server.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _
from huey import RedisHuey, SqliteHuey

# Generic Django classes (ModelAdmin[M], QuerySet[M]) subscriptable at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str) -> str:
    """A string variable, or its default when unset or empty."""
    value = os.environ.get(name, "")
    return value if value else default


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# The mode jingxi runs in: "development" (DEBUG and the development server, only when
# asked for), "demo" (what `make run` serves: DEBUG off, the demo county and its logins,
# a visible banner) or "production" (the hardened set-up: no demo logins, no superusers,
# a second factor for administrators; `manage.py check --deploy` clean).
JINGXI_ENV = env_str("JINGXI_ENV", "development")
if JINGXI_ENV not in {"development", "demo", "production"}:
    raise ValueError(f"JINGXI_ENV must be development, demo or production, not {JINGXI_ENV!r}")
DEBUG = env_bool("JINGXI_DEBUG", default=JINGXI_ENV == "development")
SECRET_KEY = env_str("JINGXI_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("JINGXI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("JINGXI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, its site entered by role (三员分立, jingxi/audit/admin_site.py)
    "jingxi.audit.admin_apps.JingxiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "jingxi.lib",
    "jingxi.org",
    "jingxi.audit",
    "jingxi.catalog",
    "jingxi.places",
    "jingxi.cases",
    "jingxi.notify",
    "jingxi.public",
    "jingxi.open311",
    "jingxi.wechat",
    "jingxi.hotline",
    "jingxi.web",
    "jingxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingxi.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jingxi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jingxi.web.context_processors.shell",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# JINGXI_DATABASE_URL: sqlite:///path or postgres://user@host:port/name.
DATABASE_URL = env_str("JINGXI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'jingxi.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("JINGXI_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the job consumer and the web server share the file; IMMEDIATE
    # transactions avoid "database is locked" upgrades under concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Django's own queries stay unprepared (client-side binding); this lets the hot
    # paths' fixed statements be prepared (jingxi.lib.prepared). Off behind a pooler
    # in transaction mode that does not carry prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env_bool("JINGXI_DB_PREPARED", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
# Django's password authentication; model permissions (the admin site's) come from the
# user's roles only (jingxi/audit/admin_site.py), never from groups or per-user grants.
AUTHENTICATION_BACKENDS = ["jingxi.audit.admin_site.RolePermissionBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jingxi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party assets are fetched from package registries at set-up time
# (`make assets`): Leaflet from PyPI's xstatic packages, htmx from npm.
STATICFILES_DIRS = [BASE_DIR / "jingxi" / "static", ("vendor", BASE_DIR / "static" / "vendor")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("JINGXI_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
JINGXI_MAX_PHOTO_BYTES = env_int("JINGXI_MAX_PHOTO_BYTES", 10 * 1024 * 1024)  # per evidence photo

# --- Cache ------------------------------------------------------------------
# Without JINGXI_REDIS_URL each process keeps a local cache; nothing shared
# depends on it (the routing index checks a version row in the database).
REDIS_URL = env_str("JINGXI_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Background jobs (huey) -------------------------------------------------
# JINGXI_HUEY_URL: empty for SQLite storage under var/, or redis://host:port/db.
HUEY_URL = env_str("JINGXI_HUEY_URL", "")
HUEY_IMMEDIATE = env_bool("JINGXI_HUEY_IMMEDIATE", default=False)
if HUEY_URL.startswith("redis://"):
    HUEY = RedisHuey("jingxi", url=HUEY_URL, immediate=HUEY_IMMEDIATE)
else:
    VAR_DIR.mkdir(exist_ok=True)
    HUEY = SqliteHuey("jingxi", filename=str(VAR_DIR / "huey.sqlite3"), immediate=HUEY_IMMEDIATE)

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing or bad token a 401.
        "jingxi.org.authentication.JurisdictionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jingxi.cases.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jingxi API",
    "DESCRIPTION": "城市精细化管理平台 REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Notifications ------------------------------------------------------------
# In-app notifications always; e-mail (Django's mail settings) when enabled; the
# SMS/WeChat channels only log until a gateway is configured.
NOTIFY_EMAIL = env_bool("JINGXI_NOTIFY_EMAIL", default=False)
NOTIFY_LOG_SMS = env_bool("JINGXI_NOTIFY_LOG_SMS", default=False)

# --- WeChat Official Account (jingxi/wechat) ----------------------------------
# The token typed into the account's server settings (it signs every request), the
# account's AppID (checked inside every encrypted message; with the AppSecret it gets
# the access token that fetches citizens' photos), the code of the Jurisdiction reports
# go to (empty: the only one) and the code of the category used when no category fits
# a description (empty: an active category named 其他…, else the citizen is asked to
# describe the problem more exactly).
JINGXI_WECHAT_TOKEN = env_str("JINGXI_WECHAT_TOKEN", "")
JINGXI_WECHAT_APP_ID = env_str("JINGXI_WECHAT_APP_ID", "")
# The account's EncodingAESKey (43 characters): empty speaks plaintext mode only; set,
# compatible and safe mode only. The previous key, kept while the account changes it.
JINGXI_WECHAT_ENCODING_AES_KEY = env_str("JINGXI_WECHAT_ENCODING_AES_KEY", "")
JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS = env_str("JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS", "")
# The AppSecret for the access-token API (empty: photos are kept as references only),
# and the API's address (tests point it at a local stand-in).
JINGXI_WECHAT_APP_SECRET = env_str("JINGXI_WECHAT_APP_SECRET", "")
JINGXI_WECHAT_API_BASE = env_str("JINGXI_WECHAT_API_BASE", "https://api.weixin.qq.com")
JINGXI_WECHAT_JURISDICTION = env_str("JINGXI_WECHAT_JURISDICTION", "")
JINGXI_WECHAT_GENERAL_CATEGORY = env_str("JINGXI_WECHAT_GENERAL_CATEGORY", "")
# Messages per sender per minute before a polite refusal.
JINGXI_WECHAT_RATE_LIMIT = env_int("JINGXI_WECHAT_RATE_LIMIT", 20)

# --- Open311 GeoReport v2 (jingxi/open311) ------------------------------------
# What discovery tells client developers, and reads allowed per client IP per minute
# (writes are limited per API key, set on each key in the admin).
OPEN311_CONTACT = env_str("JINGXI_OPEN311_CONTACT", "")
OPEN311_KEY_SERVICE = env_str("JINGXI_OPEN311_KEY_SERVICE", "")
OPEN311_READS_PER_MINUTE_PER_IP = env_int("JINGXI_OPEN311_READS_PER_MINUTE_PER_IP", 600)

# --- Maps -------------------------------------------------------------------
# A tile URL template for deployments that have a tile server; empty draws our
# own layers on a plain background (no internet needed).
MAP_TILE_URL = env_str("JINGXI_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("JINGXI_MAP_TILE_ATTRIBUTION", "")

# --- Public site (citizens' reports and tracking) ----------------------------
# The jurisdiction whose citizens the public site serves (its code); empty: the only
# one in the database, else the first by code.
JINGXI_PUBLIC_JURISDICTION = env_str("JINGXI_PUBLIC_JURISDICTION", "")
# Days after a case closes (or ends) before the reporter's name and phone are erased.
JINGXI_CONTACT_RETENTION_DAYS = env_int("JINGXI_CONTACT_RETENTION_DAYS", 180)
# Per client IP: reports per hour, and lookups (address, category, tracking) per minute.
# Counted in the cache, so per process unless JINGXI_REDIS_URL shares it.
JINGXI_PUBLIC_REPORTS_PER_HOUR = env_int("JINGXI_PUBLIC_REPORTS_PER_HOUR", 10)
JINGXI_PUBLIC_LOOKUPS_PER_MINUTE = env_int("JINGXI_PUBLIC_LOOKUPS_PER_MINUTE", 60)
# Seconds the disclosure portal's figures are kept for the public (0: always live; the
# office always sees them live).
JINGXI_PUBLIC_FIGURES_SECONDS = env_int("JINGXI_PUBLIC_FIGURES_SECONDS", 300)
# Days the audit trail keeps security events before the daily purge (never fewer than
# 180 in production).
JINGXI_AUDIT_RETENTION_DAYS = env_int("JINGXI_AUDIT_RETENTION_DAYS", 180)
# Reverse proxies in front of jingxi that append to X-Forwarded-For; 0 trusts only
# the connection's address (REMOTE_ADDR).
JINGXI_PROXY_COUNT = env_int("JINGXI_PROXY_COUNT", 0)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JINGXI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("JINGXI_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
