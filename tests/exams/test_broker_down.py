"""A submit never fails for the candidate when the broker is down: the submission is
committed and acknowledged, the failure is logged, and the database-driven sweep
grades it later (with the submission's audit entry)."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from config.celery import app as celery_app
from exams import services
from exams.models import Attempt, AttemptStatus, QuestionType, Result
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


def dead_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DeadBroker:
    """Point the real Celery app at a Redis port where nobody answers."""

    def __enter__(self):
        self.saved = {
            k: celery_app.conf[k]
            for k in (
                "broker_url",
                "task_always_eager",
                "broker_connection_timeout",
                "task_publish_retry",
            )
        }
        celery_app.conf.update(
            broker_url=f"redis://127.0.0.1:{dead_port()}/0",
            task_always_eager=False,
            broker_connection_timeout=1,
            task_publish_retry=False,
        )
        celery_app._pool = None  # no cached connection to the old broker
        celery_app.amqp._producer_pool = None
        return self

    def __exit__(self, *exc):
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.update(self.saved)


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
