"""Stored passwords: Argon2id at OWASP's minimum is what production writes; hashes stored
before (PBKDF2) still sign in and are re-hashed; temporary passwords stay cheap PBKDF2."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    identify_hasher,
    make_password,
)
from django.test import override_settings

from accounts.hashers import Argon2idPasswordHasher
from accounts.services import TEMPORARY_PASSWORD_ITERATIONS, temporary_password_hash
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

PASSWORD = "Jingwu@2026"
# What production runs (the test settings use MD5 for speed).
PRODUCTION = override_settings(
    PASSWORD_HASHERS=[
        "accounts.hashers.Argon2idPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
)


class ProductionHasherTests(BaseTestCase):
    def test_base_settings_prefer_argon2id_and_still_read_pbkdf2(self):
        from config.settings import base

        self.assertEqual(base.PASSWORD_HASHERS, PRODUCTION.options["PASSWORD_HASHERS"])
        self.assertNotEqual(
            settings.PASSWORD_HASHERS, base.PASSWORD_HASHERS
        )  # tests: MD5

    @PRODUCTION
    def test_new_passwords_are_argon2id_at_owasp_minimum(self):
        encoded = make_password(PASSWORD)
        self.assertTrue(
            encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$"), encoded
        )
        self.assertIsInstance(identify_hasher(encoded), Argon2idPasswordHasher)

    @PRODUCTION
    def test_a_pbkdf2_password_signs_in_and_is_rehashed(self):
        user = UserFactory(username="old_hash")
        user.password = PBKDF2PasswordHasher().encode(
            PASSWORD, "fixedsalt1234567", iterations=1000
        )
        user.save(update_fields=["password"])
        response = self.client.post(
            "/accounts/login/", {"username": "old_hash", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302, response.content[:300])
        user.refresh_from_db()
        self.assertTrue(user.password.startswith("argon2$argon2id$"), user.password)
        self.assertTrue(user.check_password(PASSWORD))

    @PRODUCTION
    def test_a_wrong_password_is_refused(self):
        user = UserFactory(username="someone")
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        self.assertFalse(user.check_password("Jingwu@2025"))

    @PRODUCTION
    def test_temporary_passwords_stay_cheap_pbkdf2_under_argon2id(self):
        encoded = temporary_password_hash("Ab12-cd34-EF56")
        algorithm, iterations, _salt, _hash = encoded.split("$")
        self.assertEqual(
            (algorithm, int(iterations)),
            ("pbkdf2_sha256", TEMPORARY_PASSWORD_ITERATIONS),
        )
