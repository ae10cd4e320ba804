"""Issue 13, "Also found": non-numeric or negative minutes (and a malformed date) on the
exam override form answered 500. They are refused with a message now."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from exams.models import ExamOverride, QuestionType
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


class OverrideInputTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=1)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 1, 10)])
        cls.session = make_session(blueprint=blueprint, people=[cls.officer])

    def test_override_form_bad_minutes_and_dates_are_refused_not_500(self):
        client = Client(raise_request_exception=False)
        login_verified(client, self.trainer)
        url = reverse("exams:session_manage", args=[self.session.pk])
        for field, value in (
            ("extra_minutes", "abc"),
            ("extra_minutes", "-5"),
            ("extra_attempts", "1e9"),
            ("extra_minutes", "99999999999999999999"),
            ("opens_at", "not-a-date"),
        ):
            with self.subTest(field=field, value=value):
                response = client.post(
                    url,
                    {"action": "override", "user": self.officer.username, field: value},
                )
                self.assertEqual(response.status_code, 302, (field, value))
                self.assertFalse(ExamOverride.objects.exists())
        response = client.post(
            url,
            {
                "action": "override",
                "user": self.officer.username,
                "extra_minutes": "15",
            },
        )
        self.assertEqual(ExamOverride.objects.get().extra_minutes, 15)
