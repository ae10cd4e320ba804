"""The exams API keeps the page rules: no keys, 404 for another person's attempt,
sequence numbers, server clock."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from exams.models import Attempt, QuestionType
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_session, standard_bank


class ExamApiTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=2)
        blueprint = make_blueprint(
            rows=[(category, t, 1, 5) for t in QuestionType.values]
        )
        cls.session = make_session(
            blueprint=blueprint, people=[cls.officer, cls.officer_b], minutes=10
        )

    def test_start_save_submit_without_leaking_keys(self):
        self.login(self.officer)
        listing = self.client.get("/api/v1/exams/sessions/")
        self.assertEqual(listing.json()[0]["can_start"], True)
        started = self.client.post(
            f"/api/v1/exams/sessions/{self.session.pk}/start",
            {},
            content_type="application/json",
        )
        self.assertEqual(started.status_code, 201)
        pk = started.json()["id"]
        paper = self.client.get(f"/api/v1/exams/attempts/{pk}/")
        self.assertEqual(len(paper.json()["paper"]), len(QuestionType.values))
        self.assertNotIn(CANARY, paper.content.decode())
        saved = self.client.post(
            f"/api/v1/exams/attempts/{pk}/answers",
            {"seq": 1, "answers": {"1": ["A"]}},
            content_type="application/json",
        )
        self.assertEqual(saved.status_code, 200)
        replay = self.client.post(
            f"/api/v1/exams/attempts/{pk}/answers",
            {"seq": 1, "answers": {"1": ["B"]}},
            content_type="application/json",
        )
        self.assertEqual(replay.status_code, 409)
        attempt = Attempt.objects.get(pk=pk)
        with time_machine.travel(attempt.deadline + timedelta(seconds=61)):
            late = self.client.post(
                f"/api/v1/exams/attempts/{pk}/answers",
                {"seq": 2, "answers": {"1": ["B"]}},
                content_type="application/json",
            )
        self.assertEqual(late.json()["error"]["code"], "deadline")
        done = self.client.post(f"/api/v1/exams/attempts/{pk}/submit")
        self.assertEqual(done.json()["status"], "submitted")
        self.assertNotIn(CANARY, done.content.decode())

    def test_other_persons_attempt_is_404(self):
        self.login(self.officer_b)
        pk = self.client.post(
            f"/api/v1/exams/sessions/{self.session.pk}/start",
            {},
            content_type="application/json",
        ).json()["id"]
        self.login(self.officer)
        self.assertEqual(
            self.client.get(f"/api/v1/exams/attempts/{pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.post(
                f"/api/v1/exams/attempts/{pk}/answers",
                {"seq": 5, "answers": {}},
                content_type="application/json",
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.post(f"/api/v1/exams/attempts/{pk}/submit").status_code, 404
        )
