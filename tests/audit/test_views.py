"""Only the audit admin reads, filters and exports the audit log; exports are audited."""

from __future__ import annotations

import csv
import io

from audit.models import AuditEntry
from audit.services import audit_log
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase


class AuditLogPageTests(BaseTestCase):
    def setUp(self) -> None:
        audit_log(
            action="auth.login_failed",
            actor=None,
            target_repr="officer_a1",
            result="failure",
        )
        audit_log(
            action="exam.grade_change",
            actor=self.trainer,
            details={"from": 60, "to": 75},
        )
        audit_log(action="auth.login", actor=self.officer)

    def test_audit_admin_reads_and_filters(self):
        login_verified(self.client, self.audit_admin)
        response = self.client.get("/audit/")
        self.assertContains(response, "exam.grade_change")
        response = self.client.get("/audit/", {"action": "auth.", "result": "failure"})
        self.assertContains(response, "auth.login_failed")
        self.assertNotContains(response, "exam.grade_change")
        response = self.client.get("/audit/", {"actor": "trainer"})
        self.assertContains(response, "exam.grade_change")
        self.assertNotContains(response, "auth.login_failed")

    def test_date_range_filter(self):
        login_verified(self.client, self.audit_admin)
        response = self.client.get(
            "/audit/", {"date_from": "2000-01-01", "date_to": "2000-01-02"}
        )
        self.assertNotContains(response, "exam.grade_change")

    def test_export_is_csv_and_itself_audited(self):
        login_verified(self.client, self.audit_admin)
        response = self.client.get("/audit/export.csv", {"action": "exam."})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[0][1], "时间")
        self.assertEqual([r[3] for r in rows[1:]], ["exam.grade_change"])
        export = AuditEntry.objects.get(action="audit.export")
        self.assertEqual(export.actor_id, self.audit_admin.pk)
        self.assertEqual(export.details["count"], 1)

    def test_nobody_else_can_read(self):
        for user in (
            self.system_admin,
            self.security_admin,
            self.officer,
            self.unit_admin_a,
            self.trainer,
        ):
            with self.subTest(user=user.username):
                login_verified(self.client, user)
                self.assertEqual(self.client.get("/audit/").status_code, 403)
                self.assertEqual(self.client.get("/audit/export.csv").status_code, 403)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="audit.access_denied", actor_id=self.system_admin.pk
            ).exists()
        )

    def test_superuser_cannot_read_either(self):
        self.system_admin.is_superuser = True
        self.system_admin.save()
        login_verified(self.client, self.system_admin)
        self.assertEqual(self.client.get("/audit/").status_code, 403)

    def test_audit_admin_needs_second_factor(self):
        self.login(self.audit_admin, verified=False)
        self.assertTrue(
            self.client.get("/audit/")["Location"].startswith("/accounts/two-factor/")
        )

    def test_audit_admin_cannot_open_people_pages(self):
        login_verified(self.client, self.audit_admin)
        self.assertEqual(self.client.get("/accounts/manage/people/").status_code, 403)
