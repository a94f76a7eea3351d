"""OpsDesk settings, configured by environment variables (12-factor).

Everything that runs on the machine (the SQLite file, uploads, the task queue's file, the generated
secret key) lives in the data folder, ``OPSDESK_DATA_DIR`` (default ``var/`` in the checkout).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("OPSDESK_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once and kept in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "opsdesk.core",
    "opsdesk.accounts",
    "opsdesk.api",
    "opsdesk.customers",
    "opsdesk.tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opsdesk.customers.middleware.PortalAwareSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opsdesk.accounts.middleware.AgentSessionMiddleware",
    "opsdesk.accounts.middleware.AdminTwoFactorMiddleware",
    "opsdesk.customers.middleware.CustomerUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "opsdesk.urls"
WSGI_APPLICATION = "opsdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opsdesk.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'opsdesk.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Agent"
# Logins are unique case-insensitively through a database constraint on lower(login).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTHENTICATION_BACKENDS = ["opsdesk.accounts.backends.AgentBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "8"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: a session ends after this many seconds without a request (idle expiry).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(8 * 60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Login throttling (accounts.md): two failures within one second lock the account for a minute;
# ten consecutive failures deactivate it until an administrator re-activates it.
LOGIN_LOCK_WINDOW_SECONDS = float(os.environ.get("LOGIN_LOCK_WINDOW_SECONDS", "1"))
LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", "60"))
LOGIN_DEACTIVATE_AFTER = int(os.environ.get("LOGIN_DEACTIVATE_AFTER", "10"))
# Per client address: this many failures within the window block the address for LOGIN_LOCK_SECONDS.
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "20"))
LOGIN_ADDRESS_WINDOW_SECONDS = int(os.environ.get("LOGIN_ADDRESS_WINDOW_SECONDS", "300"))
# Lost-password requests per client address within the window (more are refused for a while).
PASSWORD_RESET_MAX_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_MAX_PER_ADDRESS", "5"))
PASSWORD_RESET_WINDOW_SECONDS = int(os.environ.get("PASSWORD_RESET_WINDOW_SECONDS", "900"))
# Administrators must use TOTP two-factor authentication when this is on.
OPSDESK_REQUIRE_2FA_FOR_ADMINS = env_bool("OPSDESK_REQUIRE_2FA_FOR_ADMINS", False)

# Customer portal: groups every customer user holds rw on (OTOBO's CustomerGroupAlwaysGroups),
# and the name of the portal's own session cookie (sent for /customer/ only).
OPSDESK_CUSTOMER_ALWAYS_GROUPS = [
    name.strip()
    for name in os.environ.get("OPSDESK_CUSTOMER_ALWAYS_GROUPS", "users").split(",")
    if name.strip()
]
PORTAL_SESSION_COOKIE_NAME = "opsdesk_customer_session"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Tickets: numbers are YYYYMMDD + system id + counter; the hook marks the number in mail subjects.
OPSDESK_SYSTEM_ID = os.environ.get("OPSDESK_SYSTEM_ID", "10")
OPSDESK_TICKET_HOOK = os.environ.get("OPSDESK_TICKET_HOOK", "Ticket#")
# Largest attachment accepted from agents, customers and the API, in bytes (default 20 MiB).
OPSDESK_ATTACHMENT_MAX_SIZE = int(
    os.environ.get("OPSDESK_ATTACHMENT_MAX_SIZE", str(20 * 1024 * 1024))
)
# A TrueType font with Japanese glyphs for printed tickets (PDF); by default a Debian IPA/Noto font
# when installed, else the PDF viewer's built-in Japanese font (HeiseiKakuGo-W5).
OPSDESK_PDF_FONT = os.environ.get("OPSDESK_PDF_FONT", "")
# Linking (manual 5.5.1): when on, a parent ticket cannot be closed while a child is still open.
OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = env_bool(
    "OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN", False
)
# Ticket search: at most this many results are listed or exported (OTOBO's SearchLimit).
OPSDESK_TICKET_SEARCH_LIMIT = int(os.environ.get("OPSDESK_TICKET_SEARCH_LIMIT", "10000"))
# PostgreSQL stops a ticket search running longer than this many seconds (0: no limit) and the
# agent is asked to narrow it down, instead of a request that holds a worker for minutes.
OPSDESK_TICKET_SEARCH_TIMEOUT = float(os.environ.get("OPSDESK_TICKET_SEARCH_TIMEOUT", "15"))

# Outbound mail.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the demo's), mail is written
# to files here instead of being sent.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OpsDesk <opsdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks: Huey, SQLite under the data folder by default, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": os.environ.get("HUEY_NAME", "opsdesk"),
        "url": REDIS_URL,
        "immediate": False,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "opsdesk",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "opsdesk.api.authentication.AgentTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["opsdesk.api.permissions.IsAgent"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "opsdesk.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "opsdesk.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpsDesk API",
    "DESCRIPTION": "REST API of OpsDesk, the IT service management suite. Authenticate with a "
    "personal API token (`Authorization: Token <token>`) or, in the browser, with the session "
    "of a signed-in agent.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["opsdesk.api.permissions.IsAgent"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The interactive documentation loads its assets from our static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
