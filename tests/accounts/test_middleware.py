"""Idle logout after ACCOUNTS_IDLE_TIMEOUT_SECONDS and the two-factor gate."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings

import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
# A page every signed-in person may open, owned by this app.
PAGE = "/accounts/password/"


@override_settings(ACCOUNTS_IDLE_TIMEOUT_SECONDS=30 * 60)
class IdleLogoutTests(BaseTestCase):
    def test_signed_out_after_thirty_idle_minutes(self):
        with time_machine.travel(START, tick=False) as clock:
            self.login(self.officer)
            self.assertEqual(self.client.get(PAGE).status_code, 200)
            clock.shift(dt.timedelta(minutes=31))
            response = self.client.get(PAGE)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/accounts/login/"))
            self.assertNotIn("_auth_user_id", self.client.session)
            self.assertTrue(
                AuditEntry.objects.filter(
                    action="auth.idle_logout", actor_id=self.officer.pk
                ).exists()
            )

    def test_activity_keeps_the_session_alive(self):
        with time_machine.travel(START, tick=False) as clock:
            self.login(self.officer)
            for _ in range(4):
                clock.shift(dt.timedelta(minutes=20))
                self.assertEqual(self.client.get(PAGE).status_code, 200)

    @override_settings(ACCOUNTS_IDLE_TIMEOUT_SECONDS=5 * 60)
    def test_timeout_is_configurable(self):
        with time_machine.travel(START, tick=False) as clock:
            self.login(self.officer)
            self.client.get(PAGE)
            clock.shift(dt.timedelta(minutes=6))
            self.assertEqual(self.client.get(PAGE).status_code, 302)


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=True)
class TwoFactorTests(BaseTestCase):
    def test_trainer_is_sent_to_setup_before_admin(self):
        self.login(self.trainer, verified=False)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))
        response = self.client.get(response["Location"], follow=True)
        self.assertContains(response, "<svg")
        self.assertContains(response, 'class="secret"')

    def test_setup_confirms_device_and_verifies_session(self):
        with time_machine.travel(START, tick=False) as clock:
            self.login(self.trainer, verified=False)
            self.client.get("/accounts/two-factor/setup/?next=/admin/")
            device = TOTPDevice.objects.get(user=self.trainer)
            self.assertFalse(device.confirmed)
            wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
            response = self.client.post(
                "/accounts/two-factor/setup/", {"token": wrong, "next": "/admin/"}
            )
            self.assertEqual(response.status_code, 200)  # wrong code: stays on the page
            # django-otp throttles after a failure; the next code comes 30 s later anyway.
            clock.shift(dt.timedelta(seconds=30))
            response = self.client.post(
                "/accounts/two-factor/setup/",
                {"token": f"{totp(device.bin_key):06d}", "next": "/admin/"},
            )
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertNotIn("two-factor", self.client.get("/admin/").get("Location", ""))
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.two_factor_setup", actor_id=self.trainer.pk
            ).exists()
        )

    def test_confirmed_device_asks_for_code_each_session(self):
        device = TOTPDevice.objects.create(
            user=self.system_admin, name="app", confirmed=True
        )
        self.login(self.system_admin, verified=False)
        response = self.client.get("/admin/")
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/?"))
        response = self.client.post(
            "/accounts/two-factor/", {"token": "12345x", "next": "/admin/"}
        )
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            "/accounts/two-factor/",
            {"token": f"{totp(device.bin_key):06d}", "next": "/admin/"},
        )
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertNotIn("two-factor", self.client.get("/admin/").get("Location", ""))

    def test_two_factor_refuses_offsite_next(self):
        device = TOTPDevice.objects.create(
            user=self.system_admin, name="app", confirmed=True
        )
        self.login(self.system_admin)
        response = self.client.post(
            "/accounts/two-factor/",
            {"token": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"},
        )
        self.assertEqual(response["Location"], "/admin/")

    def test_officer_is_not_asked_for_second_factor(self):
        self.login(self.officer)
        response = self.client.get("/admin/")
        self.assertFalse(
            response.get("Location", "").startswith("/accounts/two-factor/")
        )

    def test_verified_session_reaches_admin(self):
        login_verified(self.client, self.trainer)
        self.assertNotIn("two-factor", self.client.get("/admin/").get("Location", ""))


@override_settings(ACCOUNTS_IDLE_TIMEOUT_SECONDS=30 * 60)
class IdleClockTests(BaseTestCase):
    def test_requests_within_a_minute_do_not_extend_the_deadline_unduly(self):
        with time_machine.travel(START, tick=False) as clock:
            self.login(self.officer)
            self.client.get(PAGE)
            clock.shift(dt.timedelta(seconds=30))
            self.client.get(PAGE)  # too soon to refresh the stamp
            clock.shift(dt.timedelta(minutes=29, seconds=50))
            # 30 min 20 s after the stamp: signed out, although the last request was 29m50s ago.
            self.assertEqual(self.client.get(PAGE).status_code, 302)
