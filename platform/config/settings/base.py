"""Complete settings with safe local defaults: a fresh checkout runs with no variables.

Everything that differs between machines is read from the environment here, through the
helpers in ``env.py``. ``dev.py``, ``test.py`` and ``production.py`` only adjust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from .env import env_bool, env_int, env_list, env_secret, env_str

# Paths
BASE_DIR = Path(__file__).resolve().parents[3]
PLATFORM_DIR = BASE_DIR / "platform"
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# Core
# A development key; production.py refuses to start with it.
DEV_SECRET_KEY = "dev-insecure-key-do-not-use-in-production-7Q2m"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Platform layer (platform/ is on sys.path)
    "accounts",
    "audit",
    "records",
    "core",
    # Domain apps
    "casebank",
    "courses",
    "exams",
    "search",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "csp",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the idle logout, which tells the person why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    # Before the two-factor gate: a temporary password is replaced before anything else.
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.AdminTwoFactorMiddleware",
    # Personal data is not kept in browser or proxy caches (docs/security.md).
    "accounts.middleware.NoStoreForSignedInMiddleware",
    # Restricted cases and guidelines: 404 on every admin URL naming one (docs/security.md).
    "casebank.permissions.RestrictedAdminPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CSPMiddleware",  # django-csp's, with the admin's own policy
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# Sign in with a username or a police number (警号).
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrPoliceNumberBackend"]
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PLATFORM_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]

# Database
# https://github.com/jazzband/dj-database-url: DATABASE_URL=postgres://user@host:5432/name
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default: one SQLite file under var/.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the timeout waits out
    # short write locks instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Cache: lockout counters and rate limits live here, so every web node must share it.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "platform_cache",
        }
    }

# Passwords (MLPS level 3 / OWASP ASVS 2: length, classes, common list, not the police number)
# Argon2id first (accounts.hashers: why and at what cost); PBKDF2 still reads the hashes
# stored before, and they are re-hashed at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "police_number", "full_name", "email")
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": 3},
    },
    {"NAME": "accounts.validators.NotPoliceNumberValidator"},
]

# Login security (all configurable)
ACCOUNTS_LOCKOUT_THRESHOLD = env_int("ACCOUNTS_LOCKOUT_THRESHOLD", 5)
ACCOUNTS_LOCKOUT_SECONDS = env_int("ACCOUNTS_LOCKOUT_SECONDS", 15 * 60)
# How many reverse proxies sit in front of the app. 0 means REMOTE_ADDR is the client and
# X-Forwarded-For is ignored, so a forged header cannot dodge the per-address lockout.
ACCOUNTS_TRUSTED_PROXY_COUNT = env_int("ACCOUNTS_TRUSTED_PROXY_COUNT", 0)
ACCOUNTS_IDLE_TIMEOUT_SECONDS = env_int("ACCOUNTS_IDLE_TIMEOUT_SECONDS", 30 * 60)
# Days a temporary password (import, admin reset) may be used for the first sign-in.
ACCOUNTS_TEMPORARY_PASSWORD_DAYS = env_int("ACCOUNTS_TEMPORARY_PASSWORD_DAYS", 7)
# Roles that must use TOTP two-factor before they reach the admin.
ACCOUNTS_TWO_FACTOR_ROLES = env_list(
    "ACCOUNTS_TWO_FACTOR_ROLES",
    ["unit_admin", "trainer", "system_admin", "security_admin", "audit_admin"],
)
ACCOUNTS_TWO_FACTOR_REQUIRED = env_bool("ACCOUNTS_TWO_FACTOR_REQUIRED", True)
# API Bearer tokens expire after this many days (docs/security.md).
ACCOUNTS_API_TOKEN_DAYS = env_int("ACCOUNTS_API_TOKEN_DAYS", 90)
# How long a temporary password waits to be shown, an import's passwords to be downloaded
# and a checked HR sheet to be applied: sealed (core.sealed) and dropped after this.
ACCOUNTS_SECRETS_TTL_SECONDS = env_int("ACCOUNTS_SECRETS_TTL_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # the exam page reads it to send autosaves

# Audit
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 183)
# The audit chain's HMAC key (a file of >= 32 random bytes, not on the database server);
# unset: derived from SECRET_KEY (development). docs/security.md.
AUDIT_CHAIN_KEY_FILE = env_str("AUDIT_CHAIN_KEY_FILE", "")
# Signed chain heads are appended here (and logged to "audit.anchor", e.g. syslog).
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE", "")
AUDIT_ANCHOR_SECONDS = env_int("AUDIT_ANCHOR_SECONDS", 600)
# Entries sealed before the chain was keyed (seq <= this) keep their unkeyed hash.
AUDIT_LEGACY_CHAIN_UNTIL_SEQ = env_int("AUDIT_LEGACY_CHAIN_UNTIL_SEQ", 0)

# Internationalisation
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its translations in <app>/locale/ (found through INSTALLED_APPS).
# platform/locale/ holds Chinese for Wagtail's and Django's own strings that their zh_Hans
# catalogues lack; LOCALE_PATHS wins over every app's catalogue, so it holds nothing else.
# https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#how-django-discovers-translations
LOCALE_PATHS: list[Path] = [PLATFORM_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Static and media
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [PLATFORM_DIR / "core" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security headers (production.py adds HSTS and secure cookies)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's preview uses a same-origin iframe

# Content Security Policy (django-csp 4). The site's pages run scripts from files only:
# no 'unsafe-inline' for scripts (no inline <script> or on* attribute in our templates;
# tests/security/test_csp.py). Wagtail's admin renders inline scripts of its own, so
# core.middleware.CSPMiddleware adds CONTENT_SECURITY_POLICY_ADMIN_UPDATE under /admin/.
# Inline styles stay allowed (style attributes in templates and in Wagtail).
# https://django-csp.readthedocs.io/en/latest/configuration.html
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
CONTENT_SECURITY_POLICY_ADMIN_PREFIXES = ("/admin/",)
CONTENT_SECURITY_POLICY_ADMIN_UPDATE = {"script-src": [UNSAFE_INLINE]}

# Celery: with no broker, tasks run eagerly in-process (the embedded default).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged after it ran, and re-queued if its worker dies mid-way, so a
# kill -9 loses nothing; tasks are therefore written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE: dict = {}

# Search
# https://docs.wagtail.org/en/stable/topics/search/backends.html (same shape as ours)
SEARCH_INDEX_DIR = Path(env_str("SEARCH_INDEX_DIR", str(VAR_DIR / "search")))
SEARCH_BACKENDS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
        "PATH": SEARCH_INDEX_DIR,
    }
}
if ELASTICSEARCH_URL := env_str("ELASTICSEARCH_URL"):
    SEARCH_BACKENDS["default"] = {
        "BACKEND": "search.backends.elasticsearch.ElasticsearchSearchBackend",
        "URLS": env_list("ELASTICSEARCH_URL"),
        "INDEX_PREFIX": env_str("ELASTICSEARCH_INDEX_PREFIX", "plt_"),
        "TIMEOUT": env_int("ELASTICSEARCH_TIMEOUT", 10),
    }
# Empty means the model the project ships (search/models_data/...); any
# sentence-transformers folder may be named instead.
SEARCH_EMBEDDING_MODEL = env_str("SEARCH_EMBEDDING_MODEL")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Wagtail
WAGTAIL_SITE_NAME = "执法培训与法律知识平台"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILDOCS_EXTENSIONS = [
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "txt",
    "mp4",
    "webm",
    "jpg",
    "png",
]
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # documents go through permission checks
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
# Passwords are ours (accounts: temporary passwords, lockout, audit): Wagtail's own reset
# by e-mail and password change in the admin account are off (docs/security.md).
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_MODERATION_ENABLED = True
# Approval by the workflow's reviewers is what lets a draft go live: editors hold no
# publish permission, so the finish action publishes without re-checking it.
# https://docs.wagtail.org/en/stable/reference/settings.html#wagtail-finish-workflow-action
WAGTAIL_FINISH_WORKFLOW_ACTION = "core.workflows.publish_workflow_state"
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# The admin signs in through our login view, so lockout, audit and two-factor apply.
WAGTAILADMIN_LOGIN_URL = "accounts:login"

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Rate limits per token/user and per address for visitors (DRF throttling, in the cache).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Police legal training platform API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["core.api.schema_api_paths_only"],
    # Choice sets that share a field name get stable names instead of hashed ones.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "accounts.models.UnitKind",
        "ChargeKindEnum": "casebank.models.ChargeKind",
        "CaseKindEnum": "casebank.models.CaseKind",
        "CaseLevelEnum": "casebank.models.CaseLevel",
        "ChargeStatusEnum": "casebank.models.ChargeStatus",
    },
    # Schema quality is checked by tests/core/test_api_schema.py; a documentation
    # warning must not block a production deploy (`check --deploy`).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Email (console by default; set EMAIL_URL-style vars in production)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "training@localhost")

# Logging: one line per event, JSON when LOG_FORMAT=json (for log shippers).
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("LOG_FORMAT", "plain"),
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        # bm25s forces its logger to DEBUG on import; search.backends.embedded puts
        # this level back.
        "bm25s": {"level": "WARNING"},
        # Wagtail runs its background work as django_tasks (eagerly here), which logs
        # each task enqueued and finished at INFO: about 940 lines during seed_demo.
        "django_tasks": {"level": "WARNING"},
        # PDF certificates subset fonts: fontTools logs every glyph table at INFO.
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": env_str("CELERY_TRACE_LOG_LEVEL", "WARNING")},
    },
}
if not CELERY_BROKER_URL:
    # No broker: tasks run eagerly, yet Celery still builds a default connection and
    # kombu warns "No hostname was supplied. Reverting to default 'localhost'", which
    # misleads (nothing connects to localhost). With a broker the warning cannot occur.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# Production mode flag: production.py sets it and refuses unsafe values.
PRODUCTION = False
