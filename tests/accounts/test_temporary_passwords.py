"""Temporary passwords: given by an admin reset or an import, shown once, replaced at the
first sign-in (nothing else is reachable before), refused after their expiry, audited;
API Bearer tokens are not affected."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

import time_machine

from accounts.authentication import api_token_issue
from accounts.models import Role, User
from accounts.services import (
    TEMPORARY_PASSWORD_ALPHABET,
    TEMPORARY_PASSWORD_ITERATIONS,
    can_reset_password,
    temporary_password_generate,
    temporary_password_hash,
    user_reset_password,
)
from accounts.validators import CharacterClassValidator
from audit.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

LOGIN = "/accounts/login/"
CHANGE = "/accounts/password/"
NEW_PASSWORD = "Fresh-Start-2027"


def sign_in(client, username: str, password: str):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.9.9.9"
    )


class TemporaryPasswordGenerationTests(BaseTestCase):
    def test_passwords_are_random_readable_and_pass_the_class_rule(self):
        passwords = {temporary_password_generate() for _ in range(200)}
        self.assertEqual(len(passwords), 200)
        for password in passwords:
            self.assertRegex(password, r"^[^-]{4}-[^-]{4}-[^-]{4}$")
            self.assertTrue(
                set(password.replace("-", "")) <= set(TEMPORARY_PASSWORD_ALPHABET)
            )
            CharacterClassValidator(3).validate(password)  # raises when too simple

    def test_hash_is_pbkdf2_at_the_reduced_cost_when_pbkdf2_is_the_hasher(self):
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
        ):
            encoded = temporary_password_hash("Ab12-cd34-EF56")
            algorithm, iterations, _salt, _hash = encoded.split("$")
            self.assertEqual(
                (algorithm, int(iterations)),
                ("pbkdf2_sha256", TEMPORARY_PASSWORD_ITERATIONS),
            )
            self.assertTrue(PBKDF2PasswordHasher().verify("Ab12-cd34-EF56", encoded))


class AdminResetTests(BaseTestCase):
    def test_reset_shows_password_once_and_flags_the_account(self):
        login_verified(self.client, self.unit_admin_a)
        response = self.client.post(
            f"/accounts/manage/people/{self.officer.pk}/password/", follow=True
        )
        password = response.context["temporary_password"]
        self.assertContains(response, password)
        self.assertIn("no-store", response["Cache-Control"])
        self.officer.refresh_from_db()
        self.assertTrue(self.officer.must_change_password)
        self.assertTrue(self.officer.check_password(password))
        expected = timezone.now() + timedelta(days=7)
        self.assertLess(
            abs(
                (self.officer.temporary_password_expires_at - expected).total_seconds()
            ),
            60,
        )
        # Shown once: the next visit does not show it again.
        self.assertNotContains(
            self.client.get(f"/accounts/manage/people/{self.officer.pk}/"), password
        )
        entry = AuditEntry.objects.get(
            action="accounts.password_reset", target_id=str(self.officer.pk)
        )
        self.assertEqual(entry.actor_id, self.unit_admin_a.pk)
        self.assertIn("expires_at", entry.details)
        self.assertNotIn(password, str(entry.details))

    @override_settings(ACCOUNTS_TEMPORARY_PASSWORD_DAYS=2)
    def test_expiry_is_configurable(self):
        user_reset_password(actor=self.system_admin, user=self.officer)
        self.officer.refresh_from_db()
        days = (
            self.officer.temporary_password_expires_at - timezone.now()
        ).total_seconds() / 86400
        self.assertAlmostEqual(days, 2, places=2)

    def test_unit_admin_may_not_reset_a_separated_role_holder_or_other_branch(self):
        admin_in_branch = UserFactory(unit=self.branch_a, roles=[Role.SECURITY_ADMIN])
        self.assertFalse(can_reset_password(self.unit_admin_a, admin_in_branch))
        self.assertFalse(can_reset_password(self.unit_admin_a, self.officer_b))
        self.assertFalse(can_reset_password(self.unit_admin_a, self.unit_admin_a))
        self.assertTrue(can_reset_password(self.unit_admin_a, self.officer))
        # 三员分立 (issue 13): the security admin's account is the security admin's.
        self.assertFalse(can_reset_password(self.system_admin, admin_in_branch))
        login_verified(self.client, self.unit_admin_a)
        response = self.client.post(
            f"/accounts/manage/people/{admin_in_branch.pk}/password/"
        )
        self.assertEqual(response.status_code, 404)  # issue 13: 404, not 403
        self.assertFalse(User.objects.get(pk=admin_in_branch.pk).must_change_password)


class ForcedChangeTests(BaseTestCase):
    def setUp(self) -> None:
        self.password = user_reset_password(actor=self.system_admin, user=self.officer)

    def test_sign_in_goes_to_the_change_page_and_nothing_else_opens(self):
        response = sign_in(self.client, self.officer.username, self.password)
        self.assertRedirects(response, CHANGE, fetch_redirect_response=False)
        page = self.client.get(CHANGE)
        self.assertContains(page, "临时密码")
        self.assertNotContains(page, 'name="old_password"')
        for path in (
            "/",
            "/records/",
            "/accounts/manage/people/",
            "/learn/",
            "/admin/",
        ):
            self.assertRedirects(
                self.client.get(path),
                CHANGE,
                fetch_redirect_response=False,
                msg_prefix=path,
            )
        api = self.client.get("/api/v1/me")
        self.assertEqual(api.status_code, 403)
        self.assertIn("临时密码", api.json()["detail"])
        # Signing out still works.
        self.assertRedirects(
            self.client.post("/accounts/logout/"), LOGIN, fetch_redirect_response=False
        )

    def test_new_password_must_pass_the_rules_and_differ_from_the_temporary_one(self):
        sign_in(self.client, self.officer.username, self.password)
        same = self.client.post(
            CHANGE, {"new_password1": self.password, "new_password2": self.password}
        )
        self.assertEqual(same.status_code, 200)
        self.assertContains(same, "新密码不能与当前（临时）密码相同")
        weak = self.client.post(
            CHANGE, {"new_password1": "password", "new_password2": "password"}
        )
        self.assertEqual(weak.status_code, 200)
        self.assertTrue(weak.context["form"].errors)
        number = f"Ab-{self.officer.police_number}"
        with_number = self.client.post(
            CHANGE, {"new_password1": number, "new_password2": number}
        )
        self.assertContains(with_number, "警号")
        self.assertTrue(User.objects.get(pk=self.officer.pk).must_change_password)

    def test_change_clears_the_flag_keeps_the_session_and_is_audited(self):
        sign_in(self.client, self.officer.username, self.password)
        response = self.client.post(
            CHANGE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.officer.refresh_from_db()
        self.assertFalse(self.officer.must_change_password)
        self.assertIsNone(self.officer.temporary_password_expires_at)
        self.assertIsNotNone(self.officer.password_changed_at)
        self.assertTrue(self.officer.check_password(NEW_PASSWORD))
        self.assertEqual(
            self.client.get("/").status_code, 200
        )  # still signed in, free to go
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.temporary_password_replaced",
                target_id=str(self.officer.pk),
            ).exists()
        )
        # The temporary password no longer signs in.
        self.client.logout()
        self.assertEqual(
            sign_in(self.client, self.officer.username, self.password).status_code, 200
        )

    def test_ordinary_change_still_asks_for_the_old_password_and_refuses_the_same(self):
        self.client.force_login(self.officer_b)
        page = self.client.get(CHANGE)
        self.assertContains(page, 'name="old_password"')
        same = self.client.post(
            CHANGE,
            {
                "old_password": "Secret-pass-123",
                "new_password1": "Secret-pass-123",
                "new_password2": "Secret-pass-123",
            },
        )
        self.assertEqual(same.status_code, 200)
        done = self.client.post(
            CHANGE,
            {
                "old_password": "Secret-pass-123",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertEqual(done.status_code, 302)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.password_change", target_id=str(self.officer_b.pk)
            ).exists()
        )

    def test_expired_temporary_password_is_refused_with_a_clear_message(self):
        with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
            response = sign_in(self.client, self.officer.username, self.password)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "临时密码已过期")
        self.assertNotIn("_auth_user_id", self.client.session)
        entry = AuditEntry.objects.get(action="auth.temporary_password_expired")
        self.assertEqual((entry.result, entry.details["where"]), ("denied", "login"))
        # A right (if stale) password is not a failure for the lockout counters.
        self.assertFalse(AuditEntry.objects.filter(action="auth.login_failed").exists())

    def test_session_opened_before_expiry_is_closed_after_it(self):
        sign_in(self.client, self.officer.username, self.password)
        # The expiry passes while the session lives (idle logout and the session age
        # would usually end it first; the rule must not depend on them).
        User.objects.filter(pk=self.officer.pk).update(
            temporary_password_expires_at=timezone.now()
        )
        response = self.client.get("/")
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertContains(self.client.get(LOGIN), "临时密码已过期")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.temporary_password_expired", details__where="session"
            ).exists()
        )

    def test_bearer_token_is_a_service_credential_and_is_not_gated(self):
        _token, raw = api_token_issue(user=self.officer)
        response = self.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["username"], self.officer.username)


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=True)
class ForcedChangeWithTwoFactorTests(BaseTestCase):
    def test_admin_changes_the_password_before_the_two_factor_set_up(self):
        password = user_reset_password(actor=self.system_admin, user=self.unit_admin_b)
        sign_in(self.client, self.unit_admin_b.username, password)
        # The admin pages want two-factor, but the temporary password comes first.
        self.assertRedirects(
            self.client.get("/accounts/manage/people/"),
            CHANGE,
            fetch_redirect_response=False,
        )
        self.assertRedirects(
            self.client.get("/accounts/two-factor/"),
            CHANGE,
            fetch_redirect_response=False,
        )
        self.client.post(
            CHANGE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        response = self.client.get("/accounts/manage/people/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/two-factor/"))


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


SHEET = [
    ["单位编码", "单位名称", "上级单位编码", "警号", "姓名", "职务", "警种", "角色"],
    ["C-A-1", "", "", "400001", "孙一", "民警", "治安", "民警"],
    ["C-A-1", "", "", "400002", "孙二", "民警", "治安", "民警"],
]


class ImportCredentialsTests(BaseTestCase):
    def test_web_import_shows_passwords_once_and_downloads_them_once(self):
        login_verified(self.client, self.unit_admin_a)
        upload = SimpleUploadedFile(
            "people.csv", csv_bytes(SHEET), content_type="text/csv"
        )
        checked = self.client.post("/accounts/manage/import/", {"file": upload})
        self.assertContains(
            checked, "临时密码"
        )  # "2 people will get one" in the report
        applied = self.client.post("/accounts/manage/import/", {"action": "apply"})
        credentials = applied.context["report"].credentials
        self.assertIn("no-store", applied["Cache-Control"])
        self.assertEqual({c.police_number for c in credentials}, {"400001", "400002"})
        for credential in credentials:
            self.assertContains(applied, credential.password)
            person = User.objects.get(police_number=credential.police_number)
            self.assertTrue(person.check_password(credential.password))
            self.assertTrue(person.must_change_password)
        download = self.client.get("/accounts/manage/import/passwords.csv")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Cache-Control"], "no-store")
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][5], "临时密码")
        self.assertEqual(
            {row[2]: row[5] for row in rows[1:]},
            {c.police_number: c.password for c in credentials},
        )
        entry = AuditEntry.objects.get(action="accounts.import_credentials_download")
        self.assertEqual(entry.details["count"], 2)
        # Once: the session copy is gone.
        again = self.client.get("/accounts/manage/import/passwords.csv")
        self.assertRedirects(
            again, "/accounts/manage/import/", fetch_redirect_response=False
        )

    def test_reimport_does_not_replace_a_password_the_person_chose(self):
        login_verified(self.client, self.system_admin)
        from accounts.imports import people_import, read_sheet

        first = people_import(
            actor=self.system_admin,
            rows=read_sheet(io.BytesIO(csv_bytes(SHEET)), "p.csv"),
            apply=True,
        )
        self.assertEqual(len(first.credentials), 2)
        person = User.objects.get(police_number="400001")
        person.set_password(NEW_PASSWORD)
        person.save()
        second = people_import(
            actor=self.system_admin,
            rows=read_sheet(io.BytesIO(csv_bytes(SHEET)), "p.csv"),
            apply=True,
        )
        self.assertEqual(second.credentials, [])
        self.assertTrue(
            User.objects.get(police_number="400001").check_password(NEW_PASSWORD)
        )

    def test_existing_person_without_a_usable_password_gets_one(self):
        self.officer.set_unusable_password()
        self.officer.save()
        from accounts.imports import people_import, read_sheet

        rows = [
            SHEET[0],
            [
                "C-A-1",
                "",
                "",
                self.officer.police_number,
                self.officer.full_name,
                "民警",
                "治安",
                "",
            ],
        ]
        report = people_import(
            actor=self.system_admin,
            rows=read_sheet(io.BytesIO(csv_bytes(rows)), "p.csv"),
            apply=True,
        )
        self.assertEqual(
            [c.police_number for c in report.credentials], [self.officer.police_number]
        )
        self.officer.refresh_from_db()
        self.assertTrue(self.officer.must_change_password)

    def test_command_prints_the_passwords_or_writes_a_private_file(self):
        with TemporaryDirectory() as tmp:
            sheet = Path(tmp) / "people.csv"
            sheet.write_bytes(csv_bytes(SHEET))
            out = io.StringIO()
            call_command(
                "import_people", str(sheet), "--apply", verbosity=0, stdout=out
            )
            printed = out.getvalue()
            self.assertIn("临时密码", printed)
            person = User.objects.get(police_number="400001")
            line = next(row for row in printed.splitlines() if "\t400001\t" in row)
            self.assertTrue(person.check_password(line.split("\t")[5]))

            SHEET2 = [
                SHEET[0],
                ["C-A-1", "", "", "400003", "孙三", "民警", "治安", "民警"],
            ]
            sheet.write_bytes(csv_bytes(SHEET2))
            target = Path(tmp) / "passwords.csv"
            out = io.StringIO()
            call_command(
                "import_people",
                str(sheet),
                "--apply",
                "--passwords-file",
                str(target),
                verbosity=0,
                stdout=out,
            )
            self.assertNotIn("\t400003\t", out.getvalue())
            self.assertEqual(target.stat().st_mode & 0o777, 0o600)
            rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
            self.assertTrue(
                User.objects.get(police_number="400003").check_password(rows[1][5])
            )
