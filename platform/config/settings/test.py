"""Tests: fast hashing, locmem cache, eager tasks, embedded search in a temporary folder.

The integration run (CI, PostgreSQL + a Celery worker on Redis) sets DATABASE_URL and
CELERY_BROKER_URL; everything read from the environment in base.py still applies.
"""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, REDIS_URL, SEARCH_BACKENDS
from .env import env_str

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ACCOUNTS_TWO_FACTOR_REQUIRED = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_tmp = Path(env_str("TEST_VAR_DIR") or tempfile.mkdtemp(prefix="platform-test-"))
MEDIA_ROOT = _tmp / "media"
SEARCH_INDEX_DIR = _tmp / "search"
SEARCH_BACKENDS["default"].setdefault("PATH", SEARCH_INDEX_DIR)
if SEARCH_BACKENDS["default"]["BACKEND"].endswith("EmbeddedSearchBackend"):
    SEARCH_BACKENDS["default"]["PATH"] = SEARCH_INDEX_DIR
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}
AUDIT_ANCHOR_FILE = str(_tmp / "audit-anchors.log")
