"""People pages: a unit admin of one branch gets 403/404 for the other branch's people in
the list, the detail page and the exports; exports are audited; the security admin sets
roles; the import page checks first and applies the checked file."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

import openpyxl

from accounts.models import User
from audit.models import AuditEntry
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

PEOPLE = "/accounts/manage/people/"


def csv_rows(response) -> list[list[str]]:
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


class PeopleScopingTests(BaseTestCase):
    def setUp(self) -> None:
        login_verified(self.client, self.unit_admin_a)

    def test_list_shows_own_branch_only(self):
        response = self.client.get(PEOPLE)
        self.assertContains(response, self.officer.full_name)
        self.assertNotContains(response, self.officer_b.full_name)

    def test_list_filtered_to_other_branch_is_forbidden(self):
        self.assertEqual(
            self.client.get(PEOPLE, {"unit": self.branch_b.code}).status_code, 403
        )
        self.assertEqual(
            self.client.get(PEOPLE, {"unit": self.station_b1.code}).status_code, 403
        )
        self.assertEqual(
            self.client.get(PEOPLE, {"unit": self.city.code}).status_code, 403
        )

    def test_list_filtered_to_own_station(self):
        response = self.client.get(PEOPLE, {"unit": self.station_a1.code})
        self.assertContains(response, self.officer.full_name)
        self.assertNotContains(response, self.legal_officer.full_name)

    def test_detail_of_other_branch_person_is_not_found(self):
        self.assertEqual(
            self.client.get(f"{PEOPLE}{self.officer_b.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"{PEOPLE}{self.unit_admin_b.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"{PEOPLE}{self.officer.pk}/").status_code, 200
        )

    def test_csv_export_holds_own_branch_only_and_is_audited(self):
        response = self.client.get(f"{PEOPLE}export.csv")
        self.assertEqual(response.status_code, 200)
        rows = csv_rows(response)
        self.assertEqual(rows[0][:4], ["单位编码", "单位名称", "警号", "姓名"])
        numbers = {row[2] for row in rows[1:]}
        self.assertIn(self.officer.police_number, numbers)
        self.assertNotIn(self.officer_b.police_number, numbers)
        entry = AuditEntry.objects.get(action="accounts.people_export")
        self.assertEqual(
            (entry.actor_id, entry.details["format"], entry.details["count"]),
            (self.unit_admin_a.pk, "csv", len(rows) - 1),
        )

    def test_exports_of_other_branch_are_forbidden(self):
        self.assertEqual(
            self.client.get(
                f"{PEOPLE}export.csv", {"unit": self.branch_b.code}
            ).status_code,
            403,
        )
        self.assertEqual(
            self.client.get(
                f"{PEOPLE}export.xlsx", {"unit": self.branch_b.code}
            ).status_code,
            403,
        )
        self.assertFalse(
            AuditEntry.objects.filter(action="accounts.people_export").exists()
        )

    def test_xlsx_export_opens_in_excel_terms(self):
        response = self.client.get(f"{PEOPLE}export.xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        rows = list(workbook.active.iter_rows(values_only=True))
        names = {row[3] for row in rows[1:]}
        self.assertIn(self.officer.full_name, names)
        self.assertNotIn(self.officer_b.full_name, names)

    def test_export_defuses_formulas(self):
        User.objects.filter(pk=self.officer.pk).update(
            position='=HYPERLINK("http://x")'
        )
        rows = csv_rows(self.client.get(f"{PEOPLE}export.csv"))
        positions = {row[5] for row in rows}
        self.assertIn('\'=HYPERLINK("http://x")', positions)

    def test_unit_tree_shows_own_subtree(self):
        response = self.client.get("/accounts/manage/units/")
        self.assertContains(response, self.station_a1.name)
        self.assertNotContains(response, self.station_b1.name)


class PeopleAccessTests(BaseTestCase):
    def test_officer_is_forbidden(self):
        self.login(self.officer)
        self.assertEqual(self.client.get(PEOPLE).status_code, 403)
        self.assertEqual(self.client.get(f"{PEOPLE}export.csv").status_code, 403)
        self.assertEqual(
            self.client.get(f"{PEOPLE}{self.officer.pk}/").status_code, 403
        )

    def test_audit_admin_is_forbidden(self):
        login_verified(self.client, self.audit_admin)
        self.assertEqual(self.client.get(PEOPLE).status_code, 403)

    def test_system_admin_sees_everyone(self):
        login_verified(self.client, self.system_admin)
        response = self.client.get(PEOPLE)
        self.assertContains(response, self.officer.full_name)
        self.assertContains(response, self.officer_b.full_name)

    def test_leader_sees_own_branch(self):
        self.login(self.leader)
        response = self.client.get(PEOPLE)
        self.assertContains(response, self.officer.full_name)
        self.assertNotContains(response, self.officer_b.full_name)

    def test_admin_pages_need_second_factor(self):
        self.login(self.unit_admin_a, verified=False)
        response = self.client.get(PEOPLE)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))

    def test_anonymous_is_sent_to_login(self):
        self.assertTrue(
            self.client.get(PEOPLE)["Location"].startswith("/accounts/login/")
        )


class RoleEditingTests(BaseTestCase):
    def test_security_admin_sets_roles(self):
        login_verified(self.client, self.security_admin)
        response = self.client.post(
            f"{PEOPLE}{self.officer_b.pk}/roles/", {"roles": ["officer", "trainer"]}
        )
        self.assertEqual(response.status_code, 302)
        self.officer_b.forget_roles()
        self.assertEqual(self.officer_b.get_role_codes(), {"officer", "trainer"})

    def test_conflicting_system_roles_are_refused_with_a_message(self):
        login_verified(self.client, self.security_admin)
        response = self.client.post(
            f"{PEOPLE}{self.officer_b.pk}/roles/",
            {"roles": ["system_admin", "audit_admin"]},
            follow=True,
        )
        self.assertContains(response, "只能担任")
        self.officer_b.forget_roles()
        self.assertEqual(self.officer_b.get_role_codes(), {"officer"})

    def test_system_admin_cannot_set_roles(self):
        login_verified(self.client, self.system_admin)
        response = self.client.post(
            f"{PEOPLE}{self.officer_b.pk}/roles/", {"roles": ["system_admin"]}
        )
        self.assertEqual(response.status_code, 403)

    def test_unit_admin_resets_password_in_own_branch_only(self):
        login_verified(self.client, self.unit_admin_a)
        self.assertEqual(
            self.client.post(f"{PEOPLE}{self.officer_b.pk}/password/").status_code, 404
        )
        response = self.client.post(f"{PEOPLE}{self.officer.pk}/password/", follow=True)
        self.assertContains(response, 'class="secret"')
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.password_reset", target_id=str(self.officer.pk)
            ).exists()
        )


class ImportPageTests(BaseTestCase):
    def upload(self, text: str):
        return SimpleUploadedFile(
            "people.csv", ("\ufeff" + text).encode(), content_type="text/csv"
        )

    def test_check_then_apply(self):
        login_verified(self.client, self.unit_admin_a)
        sheet = "单位编码,警号,姓名,职务\nC-A-2,400001,东城甲,社区民警\nC-A-2,400002,东城乙,社区民警\n"
        response = self.client.post(
            "/accounts/manage/import/", {"file": self.upload(sheet)}
        )
        self.assertContains(response, 'value="apply"')
        self.assertFalse(User.objects.filter(police_number="400001").exists())
        response = self.client.post("/accounts/manage/import/", {"action": "apply"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            User.objects.filter(police_number__in=["400001", "400002"]).count(), 2
        )

    def test_bad_rows_are_listed_and_cannot_be_applied(self):
        login_verified(self.client, self.unit_admin_a)
        sheet = "单位编码,警号,姓名\nC-A-2,400001,东城甲\nC-B-1,400002,西城乙\nC-A-2,400001,东城丙\n"
        response = self.client.post(
            "/accounts/manage/import/", {"file": self.upload(sheet)}
        )
        self.assertContains(response, "第3行")
        self.assertContains(response, "第4行：警号重复")
        self.assertNotContains(response, 'value="apply"')
        self.client.post("/accounts/manage/import/", {"action": "apply"})
        self.assertFalse(User.objects.filter(police_number="400001").exists())

    def test_wrong_file_type_is_a_form_error_not_a_500(self):
        login_verified(self.client, self.system_admin)
        upload = SimpleUploadedFile(
            "people.pdf", b"%PDF-1.4", content_type="application/pdf"
        )
        response = self.client.post("/accounts/manage/import/", {"file": upload})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, ".xlsx")

    @override_settings(ACCOUNTS_IMPORT_MAX_BYTES=1024 * 1024)
    def test_oversized_file_is_refused(self):
        login_verified(self.client, self.system_admin)
        big = "单位编码,警号,姓名\n" + "C-A-2,400001,东城甲\n" * 60_000
        response = self.client.post(
            "/accounts/manage/import/", {"file": self.upload(big)}
        )
        self.assertContains(response, "1.0\u00a0MB")
        self.assertFalse(User.objects.filter(police_number="400001").exists())

    def test_pdf_named_csv_is_refused_by_content(self):
        login_verified(self.client, self.system_admin)
        upload = SimpleUploadedFile(
            "people.csv",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            content_type="text/csv",
        )
        response = self.client.post("/accounts/manage/import/", {"file": upload})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'value="apply"')
        self.assertContains(response, "errorlist")

    def test_officer_cannot_import(self):
        self.login(self.officer)
        self.assertEqual(self.client.get("/accounts/manage/import/").status_code, 403)


class AccountActivationTests(BaseTestCase):
    def test_unit_admin_disables_own_branch_account_only(self):
        login_verified(self.client, self.unit_admin_a)
        self.assertEqual(
            self.client.post(
                f"{PEOPLE}{self.officer_b.pk}/active/", {"active": "0"}
            ).status_code,
            404,
        )
        self.client.post(f"{PEOPLE}{self.officer.pk}/active/", {"active": "0"})
        self.officer.refresh_from_db()
        self.assertFalse(self.officer.is_active)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.disable", target_id=str(self.officer.pk)
            ).exists()
        )

    def test_security_admin_cannot_disable_accounts(self):
        login_verified(self.client, self.security_admin)
        self.assertEqual(
            self.client.post(
                f"{PEOPLE}{self.officer.pk}/active/", {"active": "0"}
            ).status_code,
            404,  # issue 13: refusals about a person answer 404, not 403
        )
