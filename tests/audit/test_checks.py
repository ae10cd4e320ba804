"""Issue 13: production refuses to start without ``AUDIT_CHAIN_KEY_FILE`` (before, it
sealed the audit log with a key derived from ``SECRET_KEY`` and started silently).
``audit.E001`` is an error, so ``migrate``, ``check --deploy`` and ``runserver`` stop;
``tests/config/test_production.py`` runs ``manage.py check`` in production mode."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.checks import Error
from django.test import SimpleTestCase, override_settings

from audit.checks import check_audit_chain_key_in_production

KEY_DIR = Path(tempfile.mkdtemp(prefix="audit-check-"))


class AuditChainKeyCheckTests(SimpleTestCase):
    def ids(self) -> list[str]:
        problems = check_audit_chain_key_in_production()
        self.assertTrue(all(isinstance(p, Error) for p in problems))
        return [p.id for p in problems]

    @override_settings(PRODUCTION=True, AUDIT_CHAIN_KEY_FILE="")
    def test_production_refuses_to_start_without_audit_chain_key_file(self):
        self.assertEqual(self.ids(), ["audit.E001"])

    @override_settings(PRODUCTION=True, AUDIT_CHAIN_KEY_FILE=str(KEY_DIR / "absent"))
    def test_production_refuses_an_unreadable_audit_chain_key_file(self):
        self.assertEqual(self.ids(), ["audit.E001"])

    def test_production_refuses_a_short_audit_chain_key(self):
        short = KEY_DIR / "short.key"
        short.write_bytes(b"k" * 31)
        with override_settings(PRODUCTION=True, AUDIT_CHAIN_KEY_FILE=str(short)):
            self.assertEqual(self.ids(), ["audit.E001"])

    def test_production_with_a_key_file_passes(self):
        good = KEY_DIR / "good.key"
        good.write_bytes(b"k" * 48)
        with override_settings(PRODUCTION=True, AUDIT_CHAIN_KEY_FILE=str(good)):
            self.assertEqual(self.ids(), [])

    @override_settings(PRODUCTION=False, AUDIT_CHAIN_KEY_FILE="")
    def test_development_derives_the_key(self):
        self.assertEqual(self.ids(), [])
