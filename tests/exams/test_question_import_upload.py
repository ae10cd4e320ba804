"""Issue 13, "Also found": the question import validates uploads like the people import
(magic bytes, size, zip bombs) and reads only its own pending file: the ``token`` it
takes back from the form cannot point elsewhere in storage, nor at another trainer's
upload."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from exams.models import Question
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

from .test_importing import GOOD, workbook


class QuestionImportUploadTests(BaseTestCase):
    def client_for(self, user) -> Client:
        client = Client(raise_request_exception=False)
        login_verified(client, user)
        return client

    def test_question_import_token_cannot_leave_its_folder(self):
        planted = default_storage.save(
            "imports/planted-by-someone.xlsx", ContentFile(workbook(GOOD))
        )
        client = self.client_for(self.trainer)
        token = "../../" + planted.removesuffix(".xlsx")
        response = client.post(
            reverse("exams:question_import"), {"token": token, "action": "import"}
        )
        self.assertNotEqual(response.status_code, 500)
        self.assertEqual(Question.objects.count(), 0)
        default_storage.delete(planted)

    def test_question_import_token_of_another_trainer_is_refused(self):
        other = UserFactory(username="trainer2", unit=self.city, roles=["trainer"])
        response = self.client_for(other).post(
            reverse("exams:question_import"),
            {"file": SimpleUploadedFile("q.xlsx", workbook(GOOD)), "action": "check"},
        )
        token = response.context["token"]
        client = self.client_for(self.trainer)
        client.post(
            reverse("exams:question_import"), {"token": token, "action": "import"}
        )
        self.assertEqual(Question.objects.count(), 0)

    def test_question_import_validates_the_upload(self):
        def pending() -> set[str]:
            if not default_storage.exists("exams/imports"):
                return set()
            return set(default_storage.listdir("exams/imports")[1])

        before = pending()
        client = self.client_for(self.trainer)
        response = client.post(
            reverse("exams:question_import"),
            {
                "file": SimpleUploadedFile("q.xlsx", b"PK\x03\x04 not really a zip"),
                "action": "check",
            },
        )
        self.assertNotEqual(response.status_code, 500)
        self.assertEqual(pending(), before)  # refused before anything was stored
