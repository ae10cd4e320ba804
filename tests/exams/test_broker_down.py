"""A submit never fails for the candidate when the broker is down: the submission is
committed and acknowledged, the failure is logged, and the database-driven sweep
grades it later (with the submission's audit entry)."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, AttemptStatus, QuestionType, Result
from tests.base import BaseTestCase
from tests.brokers import DeadBroker

from .factories import make_blueprint, make_session, standard_bank


class BrokerDownSubmitTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=2)
        cls.session = make_session(
            blueprint=make_blueprint(
                rows=[
                    (category, QuestionType.SINGLE, 2, 5),
                    (category, QuestionType.TRUE_FALSE, 2, 5),
                ]
            ),
            people=[cls.officer],
        )

    def test_submit_succeeds_and_the_sweep_grades_it(self):
        attempt = services.attempt_start(session=self.session, user=self.officer)
        services.attempt_save(
            attempt_id=attempt.pk, user=self.officer, seq=1, answers={"1": ["A"]}
        )
        self.login(self.officer)
        with (
            DeadBroker(),
            self.assertLogs("exams.services", level="ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                reverse("exams:attempt_submit", args=[attempt.pk]),
                HTTP_ACCEPT="application/json",
            )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["ok"])
        self.assertIn("broker unavailable", "\n".join(logs.output))
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, AttemptStatus.SUBMITTED)
        self.assertFalse(Result.objects.filter(attempt=attempt).exists())
        # Too early for the sweep (the task may still be on its way) ...
        self.assertEqual(services.ungraded_sweep(), 0)
        # ... later it grades what the broker never received, once.
        later = timezone.now() + timedelta(
            seconds=services.ungraded_after_seconds() + 1
        )
        self.assertEqual(services.ungraded_sweep(now=later), 1)
        self.assertEqual(services.ungraded_sweep(now=later), 0)
        self.assertEqual(Result.objects.filter(attempt=attempt).count(), 1)
        self.assertIn(
            Attempt.objects.get(pk=attempt.pk).status,
            (AttemptStatus.GRADED, AttemptStatus.MARKING),
        )
        entry = AuditEntry.objects.get(
            action="exams.attempt_submit", target_id=str(attempt.pk)
        )
        self.assertEqual(entry.actor_id, self.officer.pk)
        self.assertEqual(entry.client_ip, "127.0.0.1")

    @override_settings(EXAMS_UNGRADED_AFTER_SECONDS=0)
    def test_api_submit_also_succeeds(self):
        attempt = services.attempt_start(session=self.session, user=self.officer)
        self.login(self.officer)
        with (
            DeadBroker(),
            self.assertLogs("exams.services", level="ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(reverse("exams-api-submit", args=[attempt.pk]))
        self.assertEqual(response.status_code, 200, response.content[:300])
        self.assertEqual(response.json()["status"], AttemptStatus.SUBMITTED)
        self.assertEqual(services.ungraded_sweep(), 1)
