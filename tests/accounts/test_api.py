"""API: issue_api_token prints a Bearer token that works; people and units are scoped."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from tests.base import BaseTestCase


class IssueApiTokenTests(BaseTestCase):
    def issue(self, username: str) -> str:
        out = io.StringIO()
        call_command("issue_api_token", username, "--name", "hr-sync", stdout=out)
        return out.getvalue().strip()

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
        token = self.issue("admin_a")
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
