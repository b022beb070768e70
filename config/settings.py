"""Settings for jingxi: one file, read from environment variables.

Every setting a deployment may change is a `JINGXI_*` variable; `.env.example`
lists them with comments. Defaults give the embedded set-up that `make run`
starts: SQLite under `var/`, in-process jobs on SQLite, no tile server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
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
PRODUCTION = JINGXI_ENV == "production"
DEBUG = env_bool("JINGXI_DEBUG", default=JINGXI_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("JINGXI_DEBUG cannot be on in production (JINGXI_ENV=production)")

# The development key is public (it is in this file); production refuses to start with
# it or without a key, and the demo makes one of its own, once, under var/.
DEVELOPMENT_SECRET_KEY = "insecure-dev-key-change-me-in-production-0123456789"  # noqa: S105 public by design; production refuses it


def secret_key_for(mode: str, *, given: str, var_dir: Path) -> str:
    """The SECRET_KEY of `mode`: `given` (JINGXI_SECRET_KEY) when set and not the public
    development key; else the development key in development, a key generated once and
    kept in var/secret-key in the demo, and a refusal to start in production."""
    if given and given != DEVELOPMENT_SECRET_KEY:
        return given
    if mode == "production":
        raise ImproperlyConfigured(
            "Set JINGXI_SECRET_KEY to a long random value (50 characters or more): "
            "production refuses to start without one, or with the development key."
        )
    if mode == "development":
        return DEVELOPMENT_SECRET_KEY
    path = var_dir / "secret-key"
    if not path.exists():
        # Written aside, then linked into place: processes starting together agree on
        # the first key linked, and none reads a half-written file.
        var_dir.mkdir(exist_ok=True)
        fd, aside = tempfile.mkstemp(dir=var_dir, prefix=".secret-key-")
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
        Path(aside).unlink()
    return path.read_text().strip()


SECRET_KEY = secret_key_for(JINGXI_ENV, given=env_str("JINGXI_SECRET_KEY", ""), var_dir=VAR_DIR)
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "jingxi.lib",
    "jingxi.indicators",
    "jingxi.org",
    "jingxi.audit",
    "jingxi.accounts",
    "jingxi.catalog",
    "jingxi.places",
    "jingxi.documents",
    "jingxi.bulletins",
    "jingxi.photos",
    "jingxi.cases",
    "jingxi.notify",
    "jingxi.inspections",
    "jingxi.public",
    "jingxi.open311",
    "jingxi.wechat",
    "jingxi.hotline",
    "jingxi.web",
    "jingxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jingxi.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingxi.web.middleware.LanguageMiddleware",
    # Errors in their door's format (JSON under /api/, Open311 documents under
    # /open311/v2/), whatever HTML error pages the rest of the site gets.
    "jingxi.cases.api_errors.ApiErrorMiddleware",
    "jingxi.open311.middleware.Open311ErrorMiddleware",
    "jingxi.lib.limits.NulRefusalMiddleware",  # a NUL in the URL: 400, not a 500 on PostgreSQL
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Session timeouts, the second factor in production, expired passwords.
    "jingxi.accounts.middleware.IdentityMiddleware",
    # Turns a locked-out login into the login page with its message (last: sees all).
    "axes.middleware.AxesMiddleware",
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

# --- Identity (jingxi/accounts): passwords, lockout, sessions, second factor -----
# Passwords: at least this many characters, from 3 of the 4 classes (A-Z, a-z, 0-9,
# others); none of the user's last JINGXI_PASSWORD_HISTORY (0: no check); expiring after
# JINGXI_PASSWORD_MAX_AGE_DAYS (0: never; the default in demo mode, whose visitors share
# the published demo logins).
JINGXI_PASSWORD_MIN_LENGTH = env_int("JINGXI_PASSWORD_MIN_LENGTH", 8)
JINGXI_PASSWORD_HISTORY = env_int("JINGXI_PASSWORD_HISTORY", 5)
JINGXI_PASSWORD_MAX_AGE_DAYS = env_int(
    "JINGXI_PASSWORD_MAX_AGE_DAYS", 0 if JINGXI_ENV == "demo" else 90
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jingxi.accounts.validators.ComplexityValidator"},
    # Also writes the history whenever a password is set: keep it in the list.
    {"NAME": "jingxi.accounts.validators.HistoryValidator"},
]
# Lockout (django-axes): a login is refused for JINGXI_LOCKOUT_MINUTES after that many
# failures for one user name, or from one client address (jingxi.lib.client), within
# those minutes (0 turns a limit off).
JINGXI_LOCKOUT_MINUTES = env_int("JINGXI_LOCKOUT_MINUTES", 30)
JINGXI_LOCKOUT_FAILURES_PER_ACCOUNT = env_int("JINGXI_LOCKOUT_FAILURES_PER_ACCOUNT", 5)
JINGXI_LOCKOUT_FAILURES_PER_ADDRESS = env_int("JINGXI_LOCKOUT_FAILURES_PER_ADDRESS", 20)
AUTHENTICATION_BACKENDS = [
    "jingxi.accounts.lockout.LockoutBackend",  # refuses locked logins first
    # Django's password check with the refusals of production mode (demo accounts still
    # on the demo password, superusers: jingxi.web.modes); model permissions (the admin
    # site's) from the user's roles only (jingxi/audit/admin_site.py), never from groups
    # or per-user grants.
    "jingxi.web.modes.ModeBackend",
]
AXES_HANDLER = "jingxi.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "jingxi.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "jingxi.accounts.lockout.cool_off"
AXES_CLIENT_IP_CALLABLE = "jingxi.lib.client.client_address"
AXES_LOCKOUT_CALLABLE = "jingxi.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # the user name's failures only (LockoutHandler)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock ends on time
AXES_DISABLE_ACCESS_LOG = True  # successful logins are the audit trail's to record
AXES_VERBOSE = False
# Sessions: logged out after JINGXI_SESSION_IDLE_MINUTES without use, and
# JINGXI_SESSION_MAX_HOURS after login whatever happens (jingxi.accounts.sessions).
JINGXI_SESSION_IDLE_MINUTES = env_int("JINGXI_SESSION_IDLE_MINUTES", 30)
JINGXI_SESSION_MAX_HOURS = env_int("JINGXI_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = JINGXI_SESSION_MAX_HOURS * 3600
# Second factor (django-otp, TOTP): any user may enrol; in production the roles of
# jingxi.org.roles.SECOND_FACTOR_ROLES must. The issuer authenticator apps show.
OTP_TOTP_ISSUER = "精细化管理平台"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's key

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
# Photo warnings (jingxi.photos.checks): taken farther than this from the expected place,
# longer than this before the expected time, or later than this after it.
JINGXI_PHOTO_FAR_M = env_int("JINGXI_PHOTO_FAR_M", 200)
JINGXI_PHOTO_OLD_HOURS = env_int("JINGXI_PHOTO_OLD_HOURS", 24)
JINGXI_PHOTO_FUTURE_SLACK_MINUTES = env_int("JINGXI_PHOTO_FUTURE_SLACK_MINUTES", 5)

# The road network joins segment ends closer than this many metres (places/network.py).
JINGXI_NETWORK_SNAP_M = env_int("JINGXI_NETWORK_SNAP_M", 5)

# --- Cache ------------------------------------------------------------------
# Without JINGXI_REDIS_URL each process keeps a local cache; nothing shared
# depends on it (the responsibility index checks a version row in the database).
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
        # (refused with a 403 for an expired password or, in production, a second-factor role)
        "jingxi.accounts.authentication.IdentityTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # limit/offset, checked: 50 by default, at most 200 (jingxi.lib.drf.PAGE_SIZE, MAX_PAGE_SIZE).
    "DEFAULT_PAGINATION_CLASS": "jingxi.lib.drf.CappedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jingxi.cases.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jingxi API",
    "DESCRIPTION": (
        "城市精细化管理平台 REST API (v1)。\n\n"
        "认证：`Authorization: Token <key>`，或网页登录的会话（写操作需 CSRF）。\n\n"
        "列表分页：`limit` 每页 1–200 条，默认 50；`offset` 从 0 起；超出范围为 400。\n\n"
        "错误：所有错误都是 JSON，形状为 `Error`（`error` 说明、`code` 类别，"
        "400 时 `fields` 按字段列出）；每个接口列出它可能的错误状态。"
        "接口不支持的请求方法为 405（`Allow` 头列出支持的方法），"
        "没有的接口为 404，都是同一形状。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One component per choice set, named for it.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "jingxi.cases.choices.Status",
        "CategoryKindEnum": "jingxi.catalog.choices.CategoryKind",
        "AttachmentKindEnum": "jingxi.cases.models.AttachmentKind",
        "RoundStatusEnum": "jingxi.inspections.choices.RoundStatus",
    },
    # Path ids are `<id:...>` (jingxi.lib.numbers.IdConverter): 1 to 2**63 - 1.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
    # Enums as components (drf-spectacular's default hook), then every operation's error
    # answers in the one Error shape (jingxi.cases.api_errors).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jingxi.cases.api_errors.schema_error_responses",
    ],
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
# the connection's address (REMOTE_ADDR). Read by jingxi.lib.client, and only there.
JINGXI_PROXY_COUNT = env_int("JINGXI_PROXY_COUNT", 0)

# --- Serving (manage.py serve, which `make run` starts) --------------------------
# gunicorn's sync workers; 0 sizes them to the machine (2 x cores + 1, at most 8).
WEB_WORKERS = env_int("JINGXI_WEB_WORKERS", 0)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JINGXI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts; not every step of each
    },
}

# --- Security headers and cookies ---------------------------------------------
# Every response says: no framing (X-Frame-Options DENY and CSP frame-ancestors 'none'),
# no MIME sniffing, no referrer beyond this site, and the Content Security Policy below.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (jingxi.web.security): our own scripts and styles only, no
# inline script or style anywhere (templates keep them in static files); the map's tile
# server (JINGXI_MAP_TILE_URL) is added to img-src.
CSP_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],  # photo previews before upload are blob: URLs
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# HTTPS. In production every plain-HTTP request is redirected to HTTPS and browsers are
# told to come back only over HTTPS (HSTS) for JINGXI_HSTS_SECONDS; the demo and
# development serve plain HTTP on 127.0.0.1. Behind a reverse proxy that ends TLS, name
# the header it sets (X-Forwarded-Proto, with the value https), or the redirect loops:
# only a proxy that always sets or strips that header may be named.
SECURE_SSL_REDIRECT = env_bool("JINGXI_SSL_REDIRECT", default=PRODUCTION)
PROXY_SSL_HEADER = env_str("JINGXI_PROXY_SSL_HEADER", "")
if PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("JINGXI_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JINGXI_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("JINGXI_HSTS_PRELOAD", default=False)
# Asking browsers to preload the domain as HTTPS-only is the domain owner's choice (and
# hard to undo), not a weakness of this deployment: without it, its warning is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Cookies: never readable by scripts, sent on top-level navigation from other sites
# only (SameSite=Lax keeps links in notifications working), and over HTTPS only in
# production (the demo runs on plain http://127.0.0.1).
SECURE_COOKIES = env_bool("JINGXI_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
# Our own 403 page when a form's CSRF token is missing or stale.
CSRF_FAILURE_VIEW = "jingxi.web.errors.csrf_failure"
