"""Signing in: username or police number, lockout per account and per address (and a
forged X-Forwarded-For cannot dodge it), new session key, audit entries."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

import time_machine

from audit.models import AuditEntry
from tests.base import PASSWORD, BaseTestCase

LOGIN = "/accounts/login/"


class LoginTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def attempt(
        self, username: str, password: str, address: str = "10.1.1.1", **headers
    ):
        return self.client.post(
            LOGIN,
            {"username": username, "password": password},
            REMOTE_ADDR=address,
            **headers,
        )

    def signed_in_user_id(self):
        return self.client.session.get("_auth_user_id")


class LoginTests(LoginTestCase):
    def test_signs_in_with_username(self):
        response = self.attempt("officer_a1", PASSWORD)
        self.assertRedirects(
            response, reverse("core:home"), fetch_redirect_response=False
        )
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_signs_in_with_police_number(self):
        self.attempt(self.officer.police_number, PASSWORD)
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_login_and_failure_are_audited_with_client_address(self):
        self.attempt("officer_a1", "wrong-Pass-1", address="10.9.9.9")
        self.attempt("officer_a1", PASSWORD, address="10.9.9.9")
        failed = AuditEntry.objects.get(action="auth.login_failed")
        self.assertEqual(failed.result, "failure")
        self.assertEqual(failed.client_ip, "10.9.9.9")
        self.assertEqual(failed.details["username"], "officer_a1")
        ok = AuditEntry.objects.get(action="auth.login")
        self.assertEqual(ok.actor_id, self.officer.pk)

    def test_the_first_page_after_signing_in_does_not_write_the_session(self):
        """Exam day (issue #15): the sign-in starts the idle clock in the session it
        writes anyway; before, the first page wrote the session once more (a hall of
        500 opening the exam page: 500 more UPDATEs)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.attempt("officer_a1", PASSWORD)
        with CaptureQueriesContext(connection) as context:
            self.assertEqual(
                self.client.get(reverse("exams:my_exams")).status_code, 200
            )
        writes = [
            q["sql"]
            for q in context.captured_queries
            if q["sql"].startswith(("UPDATE", "INSERT"))
            and "django_session" in q["sql"]
        ]
        self.assertEqual(writes, [])
        self.assertIn("accounts_last_seen", self.client.session.keys())

    def test_the_header_names_the_unit_without_a_query_of_its_own(self):
        """The signed-in person is read with their unit, which every page's header
        shows (issue #15: one query less on every page of the exam)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.attempt("officer_a1", PASSWORD)
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(reverse("exams:my_exams"))
        self.assertContains(response, self.officer.unit.name)
        self.assertFalse(
            [
                q["sql"]
                for q in context.captured_queries
                if q["sql"].startswith('SELECT "accounts_unit"')
                and '"accounts_unit"."id" = ' in q["sql"]
            ]
        )

    def test_wrong_password_shows_chinese_error(self):
        response = self.attempt("officer_a1", "wrong-Pass-1")
        self.assertContains(response, "警号")
        self.assertIsNone(self.signed_in_user_id())

    def test_session_key_changes_at_login(self):
        self.client.get(LOGIN)
        session = self.client.session
        session["planted"] = "by attacker"
        session.save()
        before = session.session_key
        self.attempt("officer_a1", PASSWORD)
        after = self.client.session.session_key
        self.assertNotEqual(before, after)
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_logout_is_audited_and_ends_session(self):
        self.attempt("officer_a1", PASSWORD)
        self.client.post(reverse("accounts:logout"))
        self.assertIsNone(self.signed_in_user_id())
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.logout", actor_id=self.officer.pk
            ).exists()
        )

    def test_wagtail_admin_login_goes_through_our_login(self):
        response = self.client.get("/admin/login/?next=/admin/")
        self.assertRedirects(
            response, "/accounts/login/?next=/admin/", fetch_redirect_response=False
        )
        response = self.client.get("/admin/")
        self.assertTrue(response["Location"].startswith("/accounts/login/"))


@override_settings(
    ACCOUNTS_LOCKOUT_THRESHOLD=5,
    ACCOUNTS_LOCKOUT_SECONDS=900,
    ACCOUNTS_TRUSTED_PROXY_COUNT=0,
)
class LockoutTests(LoginTestCase):
    def test_account_locks_after_threshold_even_with_right_password(self):
        for _ in range(5):
            self.attempt("officer_a1", "wrong-Pass-1")
        response = self.attempt("officer_a1", PASSWORD, address="10.2.2.2")
        self.assertIsNone(self.signed_in_user_id())
        self.assertContains(response, "15")
        self.assertEqual(AuditEntry.objects.filter(action="auth.lockout").count(), 1)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.login_blocked", result="denied"
            ).exists()
        )

    def test_four_failures_do_not_lock(self):
        for _ in range(4):
            self.attempt("officer_a1", "wrong-Pass-1")
        self.attempt("officer_a1", PASSWORD)
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_success_resets_account_counter(self):
        for _ in range(4):
            self.attempt("officer_a1", "wrong-Pass-1")
        self.attempt("officer_a1", PASSWORD)
        self.client.logout()
        for _ in range(4):
            self.attempt("officer_a1", "wrong-Pass-1", address="10.3.3.3")
        self.attempt("officer_a1", PASSWORD, address="10.3.3.3")
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_username_and_police_number_share_one_counter(self):
        for _ in range(3):
            self.attempt("officer_a1", "wrong-Pass-1", address="10.4.0.1")
        for _ in range(2):
            self.attempt(self.officer.police_number, "wrong-Pass-1", address="10.4.0.2")
        self.attempt("officer_a1", PASSWORD, address="10.4.0.3")
        self.assertIsNone(self.signed_in_user_id())

    def test_lock_lifts_after_lockout_period(self):
        with time_machine.travel(
            dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False
        ) as clock:
            for _ in range(5):
                self.attempt("officer_a1", "wrong-Pass-1")
            clock.shift(dt.timedelta(minutes=14))
            self.attempt("officer_a1", PASSWORD, address="10.5.5.5")
            self.assertIsNone(self.signed_in_user_id())
            clock.shift(dt.timedelta(minutes=2))
            self.attempt("officer_a1", PASSWORD, address="10.5.5.5")
            self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_address_locks_after_failures_against_many_accounts(self):
        for name in ("nobody1", "nobody2", "officer_b1", "legal_a", "leader_a"):
            self.attempt(name, "wrong-Pass-1", address="10.6.6.6")
        # A person with the right password, from the locked address, is refused …
        self.attempt("officer_a1", PASSWORD, address="10.6.6.6")
        self.assertIsNone(self.signed_in_user_id())
        # … and from another address gets in.
        self.attempt("officer_a1", PASSWORD, address="10.7.7.7")
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    def test_forged_forwarded_for_does_not_bypass_address_lockout(self):
        for n, name in enumerate(
            ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5")
        ):
            self.attempt(
                name,
                "wrong-Pass-1",
                address="10.8.8.8",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            )
        response = self.attempt(
            "officer_a1",
            PASSWORD,
            address="10.8.8.8",
            HTTP_X_FORWARDED_FOR="198.51.100.77",
        )
        self.assertIsNone(self.signed_in_user_id())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            set(
                AuditEntry.objects.filter(action="auth.login_failed").values_list(
                    "client_ip", flat=True
                )
            ),
            {"10.8.8.8"},
        )

    @override_settings(ACCOUNTS_TRUSTED_PROXY_COUNT=1)
    def test_behind_trusted_proxy_the_forwarded_address_is_counted(self):
        # The proxy (REMOTE_ADDR 10.0.0.1) appends the real client; anything left of it is forgeable.
        for n in range(5):
            self.attempt(
                f"nobody{n}",
                "wrong-Pass-1",
                address="10.0.0.1",
                HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.9",
            )
        self.attempt(
            "officer_a1",
            PASSWORD,
            address="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.99, 198.51.100.9",
        )
        self.assertIsNone(self.signed_in_user_id())
        self.attempt(
            "officer_a1",
            PASSWORD,
            address="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.10",
        )
        self.assertEqual(self.signed_in_user_id(), str(self.officer.pk))

    @override_settings(ACCOUNTS_LOCKOUT_THRESHOLD=2)
    def test_threshold_is_configurable(self):
        for _ in range(2):
            self.attempt("officer_a1", "wrong-Pass-1")
        self.attempt("officer_a1", PASSWORD, address="10.9.0.1")
        self.assertIsNone(self.signed_in_user_id())
