"""Issue 13: one authorization layer (accounts.permissions). The test names say which
finding each covers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.imports import people_import, read_sheet
from accounts.models import Role, User
from accounts.services import can_reset_password, user_reset_password
from audit.models import AuditEntry
from tests.accounts.helpers import login_verified
from tests.accounts.test_imports import csv_bytes
from tests.base import BaseTestCase


def _permissions():
    from accounts import permissions

    return permissions


class PredicateTests(BaseTestCase):
    def test_every_predicate_is_registered_with_a_docstring(self):
        permissions = _permissions()
        self.assertIn("can_mark", permissions.REGISTRY)
        self.assertIn("can_read_restricted", permissions.REGISTRY)
        for name, rule in permissions.REGISTRY.items():
            self.assertTrue(rule.doc, name)

    def test_anonymous_and_inactive_users_pass_no_predicate(self):
        permissions = _permissions()
        from django.contrib.auth.models import AnonymousUser

        for rule in permissions.REGISTRY.values():
            self.assertFalse(rule(AnonymousUser(), None), rule.name)
        self.trainer.is_active = False
        self.assertFalse(permissions.can_manage_exams(self.trainer))

    def test_roles(self):
        permissions = _permissions()
        self.assertTrue(permissions.can_mark(self.legal_officer))
        self.assertTrue(permissions.can_mark(self.trainer))
        self.assertFalse(permissions.can_mark(self.officer))
        self.assertTrue(permissions.can_read_audit_log(self.audit_admin))
        self.assertFalse(permissions.can_read_audit_log(self.system_admin))
        self.assertTrue(permissions.can_manage_roles(self.security_admin))
        self.assertFalse(permissions.can_manage_roles(self.system_admin))

    def test_decorator_sends_visitors_to_login_refuses_roles_and_asks_two_factor(self):
        permissions = _permissions()

        @permissions.permission_required(permissions.can_mark)
        def view(request):
            return HttpResponse("ok")

        factory = RequestFactory()
        from django.contrib.auth.models import AnonymousUser

        request = factory.get("/x/")
        request.user = AnonymousUser()
        self.assertEqual(view(request).status_code, 302)
        request.user = self.officer
        with self.assertRaises(PermissionDenied):
            view(request)
        request.user = self.legal_officer
        response = view(request)  # not verified with TOTP
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))

    def test_get_object_for_answers_404_outside_scope(self):
        permissions = _permissions()
        request = RequestFactory().get("/x/")
        request.user = self.unit_admin_a
        login_verified(self.client, self.unit_admin_a)
        request.user.is_verified = lambda: True
        self.assertEqual(
            permissions.get_object_for(
                request, permissions.can_set_active, User, pk=self.officer.pk
            ),
            self.officer,
        )
        with self.assertRaises(Http404):
            permissions.get_object_for(
                request, permissions.can_set_active, User, pk=self.officer_b.pk
            )
        with self.assertRaises(Http404):
            permissions.get_object_for(
                request, permissions.can_set_active, User, pk="x"
            )


class TwoFactorPerFunctionTests(BaseTestCase):
    """Finding: two-factor covered three URL prefixes, not every privileged function."""

    def test_two_factor_per_function_marking_queue_needs_a_verified_legal_officer(self):
        self.client.force_login(self.legal_officer)
        response = self.client.get(reverse("exams:marking_queue"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))
        login_verified(self.client, self.legal_officer)
        self.assertEqual(
            self.client.get(reverse("exams:marking_queue")).status_code, 200
        )

    def test_two_factor_per_function_reports_need_a_verified_leader(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("records:reports"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))

    def test_two_factor_per_function_exam_admin_needs_a_verified_trainer(self):
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("exams:manage"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))

    def test_two_factor_per_function_people_api_by_session_needs_verification(self):
        self.client.force_login(self.unit_admin_a)
        self.assertEqual(self.client.get("/api/v1/people/").status_code, 403)
        login_verified(self.client, self.unit_admin_a)
        self.assertEqual(self.client.get("/api/v1/people/").status_code, 200)

    def test_two_factor_legal_officer_in_the_admin(self):
        """Legal officers edit and approve cases in the admin: they verify first."""
        from django.contrib.auth.models import Group, Permission

        group, _ = Group.objects.get_or_create(name="legal_officer")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        self.legal_officer.groups.add(group)
        self.client.force_login(self.legal_officer)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))


class SeparationOfDutiesTests(BaseTestCase):
    """Finding: 三员分立 did not hold."""

    def test_separated_roles_system_admin_cannot_reset_security_or_audit_admin(self):
        self.assertFalse(can_reset_password(self.system_admin, self.security_admin))
        self.assertFalse(can_reset_password(self.system_admin, self.audit_admin))
        with self.assertRaises(PermissionDenied):
            user_reset_password(actor=self.system_admin, user=self.audit_admin)
        self.assertTrue(can_reset_password(self.security_admin, self.audit_admin))
        self.assertTrue(can_reset_password(self.system_admin, self.trainer))

    def test_separated_roles_system_admin_cannot_disable_the_security_admin(self):
        login_verified(self.client, self.system_admin)
        response = self.client.post(
            reverse("accounts:person_set_active", args=[self.security_admin.pk]),
            {"active": "0"},
        )
        self.assertIn(response.status_code, (403, 404))
        self.security_admin.refresh_from_db()
        self.assertTrue(self.security_admin.is_active)

    def test_separated_roles_nobody_resets_their_own_authenticator(self):
        login_verified(self.client, self.security_admin)
        response = self.client.post(
            reverse("accounts:person_reset_two_factor", args=[self.security_admin.pk])
        )
        self.assertIn(response.status_code, (403, 404))
        self.assertTrue(TOTPDevice.objects.filter(user=self.security_admin).exists())

    def test_separated_roles_import_does_not_change_a_unit_admins_own_roles(self):
        self.unit_admin_a.police_number = "500001"
        self.unit_admin_a.save()
        rows = read_sheet(
            csv_bytes([["C-A", "", "", "500001", "管理员甲", "", "", "民警、领导"]])
        )
        report = people_import(actor=self.unit_admin_a, rows=rows, apply=True)
        self.assertFalse(report.applied)
        self.unit_admin_a.forget_roles()
        self.assertEqual(self.unit_admin_a.get_role_codes(), {Role.UNIT_ADMIN})

    def test_separated_roles_import_does_not_let_the_system_admin_grant_trainer(self):
        self.system_admin.police_number = "500002"
        self.system_admin.save()
        rows = read_sheet(
            csv_bytes([["C", "", "", "500002", "系统管理员", "", "", "教官"]])
        )
        report = people_import(actor=self.system_admin, rows=rows, apply=True)
        self.assertFalse(report.applied)
        self.system_admin.forget_roles()
        self.assertEqual(self.system_admin.get_role_codes(), {Role.SYSTEM_ADMIN})

    def test_separated_roles_import_keeps_roles_of_existing_people(self):
        """A sheet without roles leaves the roles the security admin gave."""
        self.legal_officer.police_number = "500003"
        self.legal_officer.save()
        rows = read_sheet(
            csv_bytes([["C-A", "", "", "500003", "法制员甲", "", "", ""]])
        )
        report = people_import(actor=self.unit_admin_a, rows=rows, apply=True)
        self.assertTrue(report.applied, report.errors)
        self.legal_officer.forget_roles()
        self.assertEqual(
            self.legal_officer.get_role_codes(), {Role.LEGAL_OFFICER, Role.OFFICER}
        )

    def test_separated_roles_system_admin_reads_no_restricted_case(self):
        from tests.casebank.factories import make_case

        case = make_case("限阅案例", restricted_units=[self.branch_a], facts="机密")
        self.login(self.system_admin)
        self.assertEqual(self.client.get(case.url).status_code, 404)
        permissions = _permissions()
        self.assertFalse(permissions.can_read_case(self.system_admin, case))
        self.assertTrue(permissions.can_read_case(self.legal_officer, case))

    def test_role_change_is_audited(self):
        from accounts.services import user_set_roles

        user_set_roles(
            actor=self.security_admin, user=self.officer, roles=[Role.LEGAL_OFFICER]
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.role_change", target_id=str(self.officer.pk)
            ).exists()
        )


class AlsoFoundTests(BaseTestCase):
    """Issue 13, "Also found"."""

    def test_cache_control_no_store_on_pages_with_personal_data(self):
        self.login(self.officer)
        for url in (reverse("records:my_record"), "/api/v1/me"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn("no-store", response["Cache-Control"], url)

    def test_unlock_path_for_locked_out_accounts_security_admin_audited(self):
        from django.core.cache import cache

        from accounts import lockout

        cache.clear()
        for _i in range(20):
            lockout.failure_record(identifier=self.officer.username, address=None)
        self.assertTrue(
            lockout.is_locked(identifier=self.officer.username, address=None)
        )
        login_verified(self.client, self.security_admin)
        response = self.client.post(
            reverse("accounts:person_unlock", args=[self.officer.pk])
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(
            lockout.is_locked(identifier=self.officer.username, address=None)
        )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="accounts.unlock", target_id=str(self.officer.pk)
            ).exists()
        )
        # Not on their own account, and not for the system admin.
        own = self.client.post(
            reverse("accounts:person_unlock", args=[self.security_admin.pk])
        )
        self.assertIn(own.status_code, (403, 404))
        login_verified(self.client, self.system_admin)
        other = self.client.post(
            reverse("accounts:person_unlock", args=[self.officer.pk])
        )
        self.assertIn(other.status_code, (403, 404))
        cache.clear()

    def _import_usernames(self, rows):
        import csv
        import io

        text = io.StringIO()
        csv.writer(text).writerows(
            [["单位编码", "上级单位编码", "警号", "姓名", "角色", "用户名"], *rows]
        )
        data = io.BytesIO(text.getvalue().encode("utf-8-sig"))
        data.name = "people.csv"
        return people_import(
            actor=self.system_admin, rows=read_sheet(data), apply=False
        )

    def test_import_refuses_usernames_differing_only_by_case(self):
        report = self._import_usernames(
            [["C-A-1", "", "700001", "新人甲", "", self.officer.username.upper()]]
        )
        self.assertFalse(report.ok)
        self.assertIn(self.officer.username.upper(), str(report.errors[0]))

    def test_import_refuses_a_username_equal_to_another_persons_police_number(self):
        report = self._import_usernames(
            [["C-A-1", "", "700002", "新人乙", "", self.officer_b.police_number]]
        )
        self.assertFalse(report.ok)
        self.assertIn(self.officer_b.police_number, str(report.errors[0]))

    def test_wagtail_password_reset_and_account_password_pages_are_off(self):
        """Wagtail's own password reset (by e-mail, unaudited) and its account password
        form went around our temporary passwords, lockout and audit."""
        from django.core import mail

        response = self.client.get("/admin/password_reset/")
        self.assertEqual(response.status_code, 404)
        self.client.post("/admin/password_reset/", {"email": "x@example.org"})
        self.assertEqual(len(mail.outbox), 0)

    def test_xxe_in_an_uploaded_people_sheet_stays_a_clear_error(self):
        """A guard, not a reproduction: a sheet whose XML declares an external entity
        (XXE) is refused as unreadable by the people import (openpyxl with defusedxml).
        It passed before issue 13's changes too; the 500 the issue reports came from
        another upload, not found in this round."""
        import io
        import zipfile

        import openpyxl

        from accounts.imports import ImportFileError

        workbook = openpyxl.Workbook()
        workbook.active.append(["单位编码", "警号", "姓名"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        evil = (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
            "</sheetData></worksheet>"
        )
        source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = evil.encode()
                target.writestr(item, data)
        out.seek(0)
        with self.assertRaises(ImportFileError):
            read_sheet(out, "people.xlsx")
