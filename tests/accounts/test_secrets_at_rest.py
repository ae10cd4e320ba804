"""Issue 13, finding "temporary passwords and unapplied HR sheets are not kept at rest":
a reset's temporary password and an import's passwords waited in the session table in
clear text (until shown or downloaded, up to the session's 12 hours), and a checked HR
sheet stayed in storage in clear text until applied, for ever if it never was. Now each
is sealed (``core.sealed``: encrypted with a key derived from SECRET_KEY, which is not in
the database) and expires after ``ACCOUNTS_SECRETS_TTL_SECONDS``; stale sheets are purged.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import time_machine

from accounts.manage_views import IMPORT_SESSION_KEY
from accounts.models import User
from accounts.services import pending_imports_purge
from tests.base import BaseTestCase

SHEET = "单位编码,警号,姓名,职务\nC-A-2,400731,东城秘密甲,社区民警\n"


def session_text(client) -> str:
    """Everything the session table holds for this client: raw and decoded."""
    row = Session.objects.get(pk=client.session.session_key)
    return row.session_data + json.dumps(row.get_decoded(), ensure_ascii=False)


@override_settings(ACCOUNTS_SECRETS_TTL_SECONDS=600)
class SecretsAtRestTests(BaseTestCase):
    def upload(self):
        return SimpleUploadedFile(
            "people.csv", ("\ufeff" + SHEET).encode(), content_type="text/csv"
        )

    def reset(self):
        self.login(self.unit_admin_a)
        self.client.post(
            reverse("accounts:person_reset_password", args=[self.officer.pk])
        )

    def shown_password(self) -> str | None:
        page = self.client.get(
            reverse("accounts:person_detail", args=[self.officer.pk])
        ).content.decode()
        found = re.search(r'<code class="secret">([^<]+)</code>', page)
        return found.group(1) if found else None

    def test_secrets_at_rest_temporary_password_is_not_in_the_session_table(self):
        self.reset()
        stored = session_text(self.client)
        password = self.shown_password()
        self.assertTrue(password)
        self.officer.refresh_from_db()
        self.assertTrue(self.officer.check_password(password))
        self.assertNotIn(password, stored)

    def test_secrets_at_rest_temporary_password_expires_unseen(self):
        self.reset()
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            self.assertIsNone(self.shown_password())

    def test_secrets_at_rest_import_passwords_sealed_and_expiring(self):
        self.login(self.unit_admin_a)
        self.client.post("/accounts/manage/import/", {"file": self.upload()})
        self.client.post("/accounts/manage/import/", {"action": "apply"})
        person = User.objects.get(police_number="400731")
        stored = session_text(self.client)
        self.assertNotIn("400731", stored)
        self.assertNotIn("东城秘密甲", stored)
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            late = self.client.get(reverse("accounts:import_credentials"))
        self.assertEqual(late.status_code, 302)
        self.assertFalse(person.last_login)

    def test_secrets_at_rest_import_passwords_download_within_the_time(self):
        self.login(self.unit_admin_a)
        self.client.post("/accounts/manage/import/", {"file": self.upload()})
        self.client.post("/accounts/manage/import/", {"action": "apply"})
        sheet = self.client.get(reverse("accounts:import_credentials"))
        self.assertEqual(sheet.status_code, 200)
        body = sheet.content.decode("utf-8-sig")
        self.assertIn("400731", body)
        person = User.objects.get(police_number="400731")
        cells = body.strip().splitlines()[-1].split(",")
        self.assertTrue(any(person.check_password(cell) for cell in cells))

    def test_secrets_at_rest_unapplied_hr_sheet_is_sealed_in_storage(self):
        self.login(self.unit_admin_a)
        self.client.post("/accounts/manage/import/", {"file": self.upload()})
        name = self.client.session[IMPORT_SESSION_KEY]["path"]
        with default_storage.open(name, "rb") as handle:
            stored = handle.read()
        self.assertNotIn(b"400731", stored)
        self.assertNotIn("东城秘密甲".encode(), stored)
        # Applying it within the time still works.
        self.client.post("/accounts/manage/import/", {"action": "apply"})
        self.assertTrue(User.objects.filter(police_number="400731").exists())
        self.assertFalse(default_storage.exists(name))

    def test_secrets_at_rest_unapplied_hr_sheet_expires_and_is_purged(self):
        self.login(self.unit_admin_a)
        self.client.post("/accounts/manage/import/", {"file": self.upload()})
        name = self.client.session[IMPORT_SESSION_KEY]["path"]
        self.assertEqual(pending_imports_purge(), 0)  # still within the time
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            response = self.client.post(
                "/accounts/manage/import/", {"action": "apply"}, follow=True
            )
            self.assertEqual(response.status_code, 200)
            self.assertFalse(User.objects.filter(police_number="400731").exists())
        self.assertFalse(default_storage.exists(name))

    def test_secrets_at_rest_stale_sheets_are_purged(self):
        self.login(self.unit_admin_a)
        self.client.post("/accounts/manage/import/", {"file": self.upload()})
        name = self.client.session[IMPORT_SESSION_KEY]["path"]
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            self.assertGreaterEqual(pending_imports_purge(), 1)
        self.assertFalse(default_storage.exists(name))
