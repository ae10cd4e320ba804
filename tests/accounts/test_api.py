"""API: issue_api_token prints a Bearer token that works; people and units are scoped."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.core.management.base import CommandError

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from tests.base import BaseTestCase


class IssueApiTokenTests(BaseTestCase):
    def issue(self, username: str, *extra: str) -> str:
        out = io.StringIO()
        call_command(
            "issue_api_token", username, "--name", "hr-sync", *extra, stdout=out
        )
        return out.getvalue().strip()

    def issue_people_token(self, user) -> str:
        """A people-scope token, issued after checking the holder's TOTP code."""
        device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
        return self.issue(user.username, "--scope", "people", "--otp", code)

    def test_token_authenticates_api_calls(self):
        token = self.issue("admin_a")
        response = self.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["username"], "admin_a")
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.api_token_issue", target_id=str(self.unit_admin_a.pk)
            ).exists()
        )

    def test_wrong_token_is_refused_with_error_body(self):
        self.issue("admin_a")
        response = self.client.get(
            "/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token"
        )
        self.assertEqual(response.status_code, 401)
        self.assertIn("error", response.json())

    def test_unknown_user_is_an_error(self):
        with self.assertRaises(CommandError):
            call_command("issue_api_token", "nobody", stdout=io.StringIO())

    def test_people_api_is_scoped(self):
        token = self.issue_people_token(self.unit_admin_a)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        numbers = {
            p["police_number"]
            for p in self.client.get("/api/v1/people/?limit=500", **auth).json()[
                "results"
            ]
        }
        self.assertIn(self.officer.police_number, numbers)
        self.assertNotIn(self.officer_b.police_number, numbers)
        self.assertEqual(
            self.client.get(
                f"/api/v1/people/?unit={self.branch_b.code}", **auth
            ).status_code,
            403,
        )
        codes = {
            u["code"]
            for u in self.client.get("/api/v1/units/?limit=500", **auth).json()[
                "results"
            ]
        }
        self.assertEqual(codes, {"C-A", "C-A-1", "C-A-2"})

    def test_officer_cannot_list_people(self):
        token = self.issue("officer_a1")
        response = self.client.get(
            "/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "permission_denied")


class ApiTokenTests(BaseTestCase):
    """Issue 13, finding "API tokens": no expiry, no scope, not revoked on a password
    reset or a role change, no rate limit."""

    def issue(self, username: str, *extra: str) -> str:
        return IssueApiTokenTests.issue(self, username, *extra)

    def auth(self, token: str) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def test_api_token_expires_after_90_days(self):
        import datetime as dt

        from django.utils import timezone

        from wagtail.models import APIToken

        token = self.issue("officer_a1")
        grant = APIToken.objects.get(user=self.officer).grant
        self.assertAlmostEqual((grant.expires_at - timezone.now()).days, 90, delta=1)
        grant.expires_at = timezone.now() - dt.timedelta(seconds=1)
        grant.save()
        self.assertEqual(
            self.client.get("/api/v1/me", **self.auth(token)).status_code, 401
        )

    def test_api_token_read_scope_does_not_reach_people(self):
        token = self.issue("admin_a")
        self.assertEqual(
            self.client.get("/api/v1/me", **self.auth(token)).status_code, 200
        )
        response = self.client.get("/api/v1/people/", **self.auth(token))
        self.assertEqual(response.status_code, 403)

    def test_api_token_people_scope_needs_a_two_factor_code(self):
        with self.assertRaises(CommandError):
            self.issue("admin_a", "--scope", "people")
        TOTPDevice.objects.create(user=self.unit_admin_a, name="t", confirmed=True)
        with self.assertRaises(CommandError):
            self.issue("admin_a", "--scope", "people", "--otp", "000000x")

    def test_api_token_revoked_on_password_reset_and_audited(self):
        from accounts.services import user_reset_password

        token = self.issue("officer_a1")
        user_reset_password(actor=self.system_admin, user=self.officer)
        self.assertEqual(
            self.client.get("/api/v1/me", **self.auth(token)).status_code, 401
        )
        entry = AuditEntry.objects.get(action="accounts.api_tokens_revoke")
        self.assertEqual(entry.details["reason"], "password_reset")

    def test_api_token_revoked_on_role_change_and_audited(self):
        from accounts.services import user_set_roles

        token = self.issue("officer_a1")
        user_set_roles(
            actor=self.security_admin, user=self.officer, roles=["officer", "leader"]
        )
        self.assertEqual(
            self.client.get("/api/v1/me", **self.auth(token)).status_code, 401
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.api_tokens_revoke", details__reason="role_change"
            ).exists()
        )

    def test_api_is_rate_limited(self):
        from django.core.cache import cache

        from rest_framework.throttling import SimpleRateThrottle

        cache.clear()
        token = self.issue("officer_a1")
        rates = SimpleRateThrottle.THROTTLE_RATES
        SimpleRateThrottle.THROTTLE_RATES = {**rates, "user": "3/min"}
        try:
            codes = [
                self.client.get("/api/v1/me", **self.auth(token)).status_code
                for _i in range(5)
            ]
        finally:
            SimpleRateThrottle.THROTTLE_RATES = rates
            cache.clear()
        self.assertEqual(codes[:3], [200, 200, 200])
        self.assertEqual(codes[3], 429)
