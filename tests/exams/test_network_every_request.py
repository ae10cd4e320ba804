"""Issue 13, finding "check the network restriction on every request of the attempt, not
only at start": an attempt started from the exam room's network could be continued
(page, autosave, state, check, submit, resume, API) from anywhere. Every one of these
now answers 403 (``code: network``) outside ``allowed_networks``; autosave pays no extra
database query for it (the session's networks come with the attempt row, parsed once)."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from exams.models import Attempt, AttemptStatus, ExamSession, QuestionType
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_session, standard_bank

INSIDE = "10.1.2.3"
OUTSIDE = "192.168.1.5"


class NetworkOnEveryRequestTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=1)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 1, "10")])
        cls.session = make_session(
            blueprint=blueprint,
            people=[cls.officer],
            allowed_networks="10.0.0.0/8\n",
        )
        cls.practice = make_session(
            blueprint=blueprint,
            people=[cls.officer],
            allowed_networks="10.0.0.0/8",
            kind=ExamSession.Kind.PRACTICE,
            review_answers=ExamSession.ReviewWhen.AFTER_SUBMIT,
        )

    def start(self, session=None) -> Attempt:
        session = session or self.session
        self.login(self.officer)
        response = self.client.post(
            reverse("exams:session", args=[session.pk]), REMOTE_ADDR=INSIDE
        )
        self.assertEqual(response.status_code, 302)
        return Attempt.objects.get(session=session, user=self.officer)

    def save(self, attempt, seq, ip):
        return self.client.post(
            reverse("exams:attempt_save", args=[attempt.pk]),
            json.dumps({"seq": seq, "answers": {"1": ["A"]}}),
            content_type="application/json",
            REMOTE_ADDR=ip,
        )

    def test_network_every_request_autosave_refused_outside(self):
        attempt = self.start()
        self.assertEqual(self.save(attempt, 1, INSIDE).status_code, 200)
        response = self.save(attempt, 2, OUTSIDE)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "network")
        attempt.refresh_from_db()
        self.assertEqual(attempt.last_seq, 1)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="exams.attempt_network_refused", details__ip=OUTSIDE
            ).exists()
        )

    def test_network_every_request_autosave_costs_no_extra_query(self):
        attempt = self.start()
        self.save(attempt, 1, INSIDE)
        with CaptureQueriesContext(connection) as restricted:
            self.assertEqual(self.save(attempt, 2, INSIDE).status_code, 200)
        ExamSession.objects.filter(pk=self.session.pk).update(allowed_networks="")
        with CaptureQueriesContext(connection) as open_session:
            self.assertEqual(self.save(attempt, 3, OUTSIDE).status_code, 200)
        self.assertEqual(len(restricted), len(open_session))

    def test_network_every_request_page_refused_outside(self):
        attempt = self.start()
        response = self.client.get(
            reverse("exams:attempt", args=[attempt.pk]), REMOTE_ADDR=OUTSIDE
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("第1题", response.content.decode())
        inside = self.client.get(
            reverse("exams:attempt", args=[attempt.pk]), REMOTE_ADDR=INSIDE
        )
        self.assertEqual(inside.status_code, 200)

    def test_network_every_request_state_refused_outside(self):
        attempt = self.start()
        response = self.client.get(
            reverse("exams:attempt_state", args=[attempt.pk]), REMOTE_ADDR=OUTSIDE
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "network")

    def test_network_every_request_submit_refused_outside(self):
        attempt = self.start()
        response = self.client.post(
            reverse("exams:attempt_submit", args=[attempt.pk]),
            REMOTE_ADDR=OUTSIDE,
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(response.status_code, 403)
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, AttemptStatus.IN_PROGRESS)
        with self.captureOnCommitCallbacks(execute=True):
            inside = self.client.post(
                reverse("exams:attempt_submit", args=[attempt.pk]),
                REMOTE_ADDR=INSIDE,
                HTTP_ACCEPT="application/json",
            )
        self.assertEqual(inside.status_code, 200)
        attempt.refresh_from_db()
        self.assertNotEqual(attempt.status, AttemptStatus.IN_PROGRESS)

    def test_network_every_request_check_refused_outside(self):
        attempt = self.start(self.practice)
        self.assertEqual(self.save(attempt, 1, INSIDE).status_code, 200)
        response = self.client.post(
            reverse("exams:attempt_check", args=[attempt.pk]),
            json.dumps({"order": 1}),
            content_type="application/json",
            REMOTE_ADDR=OUTSIDE,
        )
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(CANARY, response.content.decode())

    def test_network_every_request_flag_refused_outside(self):
        """The flag endpoint (issue 18) came after the rule: fails before it was held to
        the session's networks (200 from outside)."""
        attempt = self.start(self.session)
        flag = reverse("exams:attempt_flag", args=[attempt.pk])
        body = json.dumps({"order": 1, "flagged": True})
        outside = self.client.post(
            flag, body, content_type="application/json", REMOTE_ADDR=OUTSIDE
        )
        self.assertEqual(outside.status_code, 403)
        inside = self.client.post(
            flag, body, content_type="application/json", REMOTE_ADDR=INSIDE
        )
        self.assertEqual(inside.status_code, 200)

    def test_network_every_request_resume_refused_outside(self):
        attempt = self.start()
        response = self.client.post(
            reverse("exams:session", args=[self.session.pk]), REMOTE_ADDR=OUTSIDE
        )
        self.assertNotEqual(
            response.get("Location"), reverse("exams:attempt", args=[attempt.pk])
        )

    def test_network_every_request_api_refused_outside(self):
        attempt = self.start()
        api = reverse("exams-api-attempt", args=[attempt.pk])
        self.assertEqual(self.client.get(api, REMOTE_ADDR=INSIDE).status_code, 200)
        self.assertEqual(self.client.get(api, REMOTE_ADDR=OUTSIDE).status_code, 403)
        save = self.client.post(
            reverse("exams-api-save", args=[attempt.pk]),
            {"seq": 5, "answers": {"1": ["A"]}},
            content_type="application/json",
            REMOTE_ADDR=OUTSIDE,
        )
        self.assertEqual(save.status_code, 403)
        submit = self.client.post(
            reverse("exams-api-submit", args=[attempt.pk]), REMOTE_ADDR=OUTSIDE
        )
        self.assertEqual(submit.status_code, 403)
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, AttemptStatus.IN_PROGRESS)
