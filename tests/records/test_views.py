import io
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from openpyxl import load_workbook

from audit.models import AuditEntry
from records.models import (
    CreditEntry,
    ExportJob,
    ExportStatus,
    OfflineActivity,
    OfflineStatus,
)
from records.services import credit_hours
from tests.base import BaseTestCase
from tests.records.factories import (
    AssignmentFactory,
    CertificationFactory,
    OfflineActivityFactory,
    TrackedItemFactory,
)

TZ = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class RecordPageTests(BaseTestCase):
    def test_officer_sees_own_record_with_exams_and_qualifications(self):
        exam = TrackedItemFactory(item_type="exam", title="执法资格考试")
        AssignmentFactory(
            user=self.officer,
            item=exam,
            status="completed",
            score=88,
            passed=True,
            completed_at=timezone.now(),
        )
        CertificationFactory(
            user=self.officer,
            kind="enforcement",
            level="基本级",
            issued_at=date(2024, 1, 1),
            expires_at=timezone.localdate() + timedelta(days=20),
        )
        credit_hours(
            user=self.officer, hours=4, category="law", source_type="t", source_id="1"
        )
        self.login(self.officer)
        response = self.client.get("/records/me/")
        self.assertContains(response, "执法资格考试")
        self.assertContains(response, "88")
        self.assertContains(response, "state-expiring")

    def test_officer_cannot_open_someone_elses_record(self):
        self.login(self.officer)
        self.assertEqual(
            self.client.get(f"/records/people/{self.officer_b.pk}/").status_code, 403
        )
        self.assertEqual(
            self.client.get(f"/records/people/{self.officer_b.pk}/pdf/").status_code,
            403,
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="records.record_view", result="denied"
            ).exists()
        )

    def test_unit_admin_sees_records_in_scope_only(self):
        self.login(self.unit_admin_a)
        self.assertEqual(
            self.client.get(f"/records/people/{self.officer.pk}/").status_code, 200
        )
        self.assertEqual(
            self.client.get(f"/records/people/{self.officer_b.pk}/").status_code, 403
        )

    def test_pdf_is_a_pdf_with_an_embedded_font(self):
        credit_hours(
            user=self.officer, hours=4, category="law", source_type="t", source_id="1"
        )
        self.login(self.officer)
        response = self.client.get("/records/me/pdf/")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn(b"FontFile2", response.content)

    @override_settings(RECORDS_PDF_FONTS=["/nonexistent/font.ttc"])
    def test_pdf_without_font_gives_a_clear_message(self):
        self.login(self.officer)
        response = self.client.get("/records/me/pdf/", follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "/nonexistent/font.ttc")

    def test_api_my_record(self):
        credit_hours(
            user=self.officer, hours=4, category="law", source_type="t", source_id="1"
        )
        self.login(self.officer)
        data = self.client.get("/api/v1/my/record").json()
        self.assertEqual(data["years"][0]["total"], "4.00")
        schema = self.client.get("/api/v1/schema/")
        self.assertIn(b"/api/v1/my/record", schema.content)


class ReportViewTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.item = TrackedItemFactory(title="刑事案件办理规范")
        past = timezone.now() - timedelta(days=5)
        for user in (cls.officer, cls.officer_b, cls.legal_officer):
            AssignmentFactory(
                user=user,
                item=cls.item,
                period=str(timezone.localdate().year),
                due_at=past,
            )

    def test_officer_gets_403_on_reports(self):
        self.login(self.officer)
        self.assertEqual(self.client.get("/records/reports/").status_code, 403)

    def test_admin_dashboard_and_drilldown_stay_in_scope(self):
        self.login(self.unit_admin_a)
        response = self.client.get("/records/reports/")
        self.assertContains(response, self.station_a1.name)
        self.assertNotContains(response, self.station_b1.name)
        self.assertEqual(
            self.client.get(
                "/records/reports/", {"unit": self.branch_b.pk}
            ).status_code,
            403,
        )
        self.assertEqual(
            self.client.get(
                "/records/reports/", {"unit": self.station_b1.pk}
            ).status_code,
            403,
        )
        station = self.client.get("/records/reports/", {"unit": self.station_a1.pk})
        self.assertContains(station, self.officer.display_name)
        for path in ("overdue/", "at-risk/", "people/", "export/overdue/"):
            self.assertEqual(
                self.client.get(
                    f"/records/reports/{path}", {"unit": self.branch_b.pk}
                ).status_code,
                403,
                path,
            )

    def test_people_report_pages_and_a_page_past_the_end_shows_the_last(self):
        from records import views

        self.login(self.unit_admin_a)
        original = views.PEOPLE_PAGE_SIZE
        views.PEOPLE_PAGE_SIZE = 1
        try:
            first = self.client.get("/records/reports/people/")
            pages = first.context["page"].paginator.num_pages
            self.assertGreater(pages, 1)
            self.assertContains(first, f"1 / {pages}")
            self.assertContains(first, "page=2")
            for page in ("2", "99999999999999999999", "-3", "x"):
                response = self.client.get("/records/reports/people/", {"page": page})
                self.assertEqual(response.status_code, 200, page)
            self.assertContains(
                self.client.get(
                    "/records/reports/people/", {"page": "99999999999999999999"}
                ),
                f"{pages} / {pages}",
            )
        finally:
            views.PEOPLE_PAGE_SIZE = original

    def test_overdue_export_xlsx_contains_only_scope_rows_and_is_audited(self):
        self.login(self.unit_admin_a)
        response = self.client.get("/records/reports/export/overdue/", {"fmt": "xlsx"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        names = {r[1] for r in rows[1:]}
        self.assertEqual(
            names, {self.officer.display_name, self.legal_officer.display_name}
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="records.export", actor=self.unit_admin_a
            ).exists()
        )

    def test_csv_export_of_people(self):
        self.login(self.unit_admin_a)
        response = self.client.get("/records/reports/export/people/", {"fmt": "csv"})
        text = response.content.decode("utf-8-sig")
        self.assertIn(self.officer.display_name, text)
        self.assertNotIn(self.officer_b.display_name, text)

    @override_settings(RECORDS_EXPORT_SYNC_MAX_ROWS=1)
    def test_large_export_runs_in_the_background_and_only_the_requester_downloads(self):
        self.login(self.unit_admin_a)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.get(
                "/records/reports/export/overdue/", {"fmt": "xlsx"}
            )
        job = ExportJob.objects.get(requester=self.unit_admin_a)
        self.assertRedirects(response, f"/records/exports/{job.pk}/")
        self.assertEqual(job.status, ExportStatus.DONE)  # eager Celery in tests
        self.assertTrue((Path(job.file).parts[0]) == "exports")
        download = self.client.get(f"/records/exports/{job.pk}/download/")
        self.assertEqual(download.status_code, 200)
        rows = list(
            load_workbook(
                io.BytesIO(b"".join(download.streaming_content))
            ).active.iter_rows(values_only=True)
        )
        self.assertEqual(len(rows), 3)
        self.login(self.unit_admin_b)
        self.assertEqual(
            self.client.get(f"/records/exports/{job.pk}/download/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"/records/exports/{job.pk}/").status_code, 404
        )

    def test_bad_filters_do_not_break_the_page(self):
        self.login(self.system_admin)
        response = self.client.get(
            "/records/reports/", {"year": "abc", "role": "nope", "item": "x"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.client.get("/records/reports/", {"unit": "99999"}).status_code, 404
        )


class OfflineTrainingTests(BaseTestCase):
    def test_submit_with_evidence_and_approve_credits_hours_once(self):
        self.login(self.officer)
        response = self.client.post(
            "/records/offline/",
            {
                "kind": "court_hearing",
                "title": "旁听盗窃案庭审",
                "occurred_on": "2026-01-05",
                "hours": "3",
                "evidence": SimpleUploadedFile(
                    "photo.png", PNG, content_type="image/png"
                ),
            },
        )
        self.assertRedirects(response, "/records/offline/")
        activity = OfflineActivity.objects.get(user=self.officer)
        self.assertEqual(activity.status, OfflineStatus.PENDING)
        self.login(self.unit_admin_b)  # the other branch's admin may not review it
        self.client.post(
            f"/records/offline/{activity.pk}/review/", {"decision": "approve"}
        )
        activity.refresh_from_db()
        self.assertEqual(activity.status, OfflineStatus.PENDING)
        self.login(self.unit_admin_a)
        self.client.post(
            f"/records/offline/{activity.pk}/review/", {"decision": "approve"}
        )
        self.client.post(
            f"/records/offline/{activity.pk}/review/", {"decision": "approve"}
        )
        activity.refresh_from_db()
        self.assertEqual(activity.status, OfflineStatus.APPROVED)
        entry = CreditEntry.objects.get(user=self.officer, source_type="offline")
        self.assertEqual(entry.hours, 3)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="records.offline_review", result="denied"
            ).exists()
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="records.offline_review", result="success"
            ).exists()
        )

    def test_renamed_executable_is_refused(self):
        self.login(self.officer)
        response = self.client.post(
            "/records/offline/",
            {
                "kind": "court_hearing",
                "title": "x",
                "occurred_on": "2026-01-05",
                "hours": "3",
                "evidence": SimpleUploadedFile(
                    "photo.jpg", b"MZ\x90\x00" * 10, content_type="image/jpeg"
                ),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "photo.jpg")
        self.assertFalse(OfflineActivity.objects.exists())

    @override_settings(RECORDS_EVIDENCE_MAX_BYTES=10)
    def test_oversized_evidence_is_refused(self):
        self.login(self.officer)
        self.client.post(
            "/records/offline/",
            {
                "kind": "court_hearing",
                "title": "x",
                "occurred_on": "2026-01-05",
                "hours": "3",
                "evidence": SimpleUploadedFile(
                    "photo.png", PNG, content_type="image/png"
                ),
            },
        )
        self.assertFalse(OfflineActivity.objects.exists())

    def test_reject_needs_a_reason(self):
        activity = OfflineActivityFactory(
            user=self.officer, occurred_on=date(2026, 1, 5)
        )
        self.login(self.unit_admin_a)
        self.client.post(
            f"/records/offline/{activity.pk}/review/", {"decision": "reject"}
        )
        activity.refresh_from_db()
        self.assertEqual(activity.status, OfflineStatus.PENDING)
        self.client.post(
            f"/records/offline/{activity.pk}/review/",
            {"decision": "reject", "reason": "证明材料不清晰"},
        )
        activity.refresh_from_db()
        self.assertEqual(
            (activity.status, activity.review_reason),
            (OfflineStatus.REJECTED, "证明材料不清晰"),
        )
        self.assertFalse(CreditEntry.objects.filter(user=self.officer).exists())

    def test_trainer_registers_a_group_and_unknown_lines_are_reported(self):
        self.login(self.trainer)
        response = self.client.post(
            "/records/offline/group/",
            {
                "kind": "field_exercise",
                "title": "现场处置演练",
                "occurred_on": "2026-01-05",
                "hours": "4",
                "people": f"{self.officer.police_number}\nnobody-here\n{self.officer_b.username}",
            },
        )
        self.assertContains(response, "nobody-here")
        self.assertContains(response, "2")  # the line number
        self.assertFalse(OfflineActivity.objects.exists())
        self.client.post(
            "/records/offline/group/",
            {
                "kind": "field_exercise",
                "title": "现场处置演练",
                "occurred_on": "2026-01-05",
                "hours": "4",
                "people": f"{self.officer.police_number}\n{self.officer_b.username}",
            },
        )
        self.assertEqual(CreditEntry.objects.filter(source_type="offline").count(), 2)
        self.assertTrue(
            AuditEntry.objects.filter(action="records.offline_group_register").exists()
        )

    def test_officer_cannot_register_groups(self):
        self.login(self.officer)
        self.assertEqual(self.client.get("/records/offline/group/").status_code, 403)


class NotificationPageTests(BaseTestCase):
    def test_home_shows_overdue_items_and_bell_lists_notifications(self):
        item = TrackedItemFactory(title="治安管理处罚法精讲")
        AssignmentFactory(
            user=self.officer, item=item, due_at=datetime(2020, 1, 1, tzinfo=TZ)
        )
        from records.services import notification_send

        notification_send(
            user=self.officer,
            kind="overdue",
            item=item,
            period="2026",
            title="逾期提醒",
        )
        self.login(self.officer)
        self.assertContains(self.client.get("/"), "治安管理处罚法精讲")
        self.assertContains(self.client.get("/records/notifications/"), "逾期提醒")
        self.client.post("/records/notifications/")
        self.assertFalse(
            self.officer.notifications.filter(read_at__isnull=True).exists()
        )


class ExportInjectionTests(BaseTestCase):
    def test_formula_like_names_are_quoted_in_exports(self):
        self.officer.full_name = '=HYPERLINK("http://evil")'
        self.officer.save()
        AssignmentFactory(
            user=self.officer,
            item=TrackedItemFactory(),
            period=str(timezone.localdate().year),
            due_at=timezone.now() - timedelta(days=1),
        )
        self.login(self.unit_admin_a)
        for fmt in ("xlsx", "csv"):
            response = self.client.get("/records/reports/export/overdue/", {"fmt": fmt})
            if fmt == "xlsx":
                name = (
                    load_workbook(io.BytesIO(response.content))
                    .active.cell(row=2, column=2)
                    .value
                )
            else:
                import csv

                name = list(
                    csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
                )[1][1]
            self.assertTrue(name.startswith("'="), name)
