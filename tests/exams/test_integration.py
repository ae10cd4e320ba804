"""On PostgreSQL with a real Celery worker: 30 threads submit the same attempt at once
(and each also enqueues grading); exactly one submission, one Result."""

from __future__ import annotations

import threading
import time

from django.db import connection, connections
from django.test import TransactionTestCase

import pytest

from exams import services
from exams.models import Attempt, AttemptStatus, QuestionType, Result
from exams.tasks import grade_attempt
from tests.accounts.factories import UserFactory

from .factories import make_blueprint, make_session, standard_bank


@pytest.mark.integration
@pytest.mark.usefixtures("celery_worker_process")
class ConcurrentSubmitTests(TransactionTestCase):
    def test_thirty_concurrent_submits_give_one_result(self):
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL row locks")
        officer = UserFactory()
        category = standard_bank(n_each=2)
        session = make_session(
            blueprint=make_blueprint(
                rows=[
                    (category, QuestionType.SINGLE, 2, 5),
                    (category, QuestionType.TRUE_FALSE, 2, 5),
                ]
            ),
            people=[officer],
        )
        attempt = services.attempt_start(session=session, user=officer)
        services.attempt_save(
            attempt_id=attempt.pk, user=officer, seq=1, answers={"1": ["A"]}
        )
        barrier = threading.Barrier(30)
        submitted: list[bool] = []
        errors: list[BaseException] = []

        def submit() -> None:
            try:
                barrier.wait()
                submitted.append(
                    services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
                )
                grade_attempt.delay(attempt.pk)  # the task delivered many times
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(submitted.count(True), 1)
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and not Result.objects.filter(attempt_id=attempt.pk).exists()
        ):
            time.sleep(0.2)
        time.sleep(3)  # let the other 30 deliveries run
        self.assertEqual(Result.objects.filter(attempt_id=attempt.pk).count(), 1)
        self.assertEqual(
            Attempt.objects.get(pk=attempt.pk).status, AttemptStatus.GRADED
        )
