"""On PostgreSQL with a real Celery worker: publishing a required course assigns it
through the worker; a person moving unit is recomputed by the worker; ten devices
completing the same course at once credit its hours exactly once."""

from __future__ import annotations

import threading
import time

from django.db import connection, connections
from django.test import TransactionTestCase

import pytest

from accounts.models import Role
from courses import services
from courses.models import CoursePage
from records.models import Assignment, CreditEntry, LearningEvent
from tests.accounts.factories import UnitFactory, UserFactory

from . import factories


def _wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.integration
@pytest.mark.usefixtures("celery_worker_process")
class CoursesOnWorkerTests(TransactionTestCase):
    # No serialized_rollback: other transactional tests flush first and post_migrate
    # re-creates content types with new ids, which a serialized reload would collide
    # with. The factories rebuild the Wagtail site and page tree a flush removed.

    def setUp(self) -> None:
        self.city = UnitFactory(code="I0", name="市局")
        self.east = UnitFactory(code="I1", name="东城分局", parent=self.city)
        self.west = UnitFactory(code="I2", name="西城分局", parent=self.city)
        self.officer = UserFactory(unit=self.east, roles=[Role.OFFICER])
        self.index = factories.course_index()

    def test_publishing_assigns_and_moving_unit_recomputes_on_the_worker(self):
        course = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.east}], live=False
        )
        CoursePage.objects.get(
            pk=course.pk
        ).save_revision().publish()  # commits; the worker syncs
        assigned = Assignment.objects.filter(
            user=self.officer, item__item_id=str(course.pk), required=True
        )
        self.assertTrue(_wait_for(assigned.exists))
        self.officer.unit = self.west
        self.officer.save()
        released = Assignment.objects.filter(
            user=self.officer, item__item_id=str(course.pk), required=False
        )
        self.assertTrue(_wait_for(released.exists))

    def test_ten_devices_completing_at_once_credit_once(self):
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL row locks")
        course = factories.course(self.index, hours="2", required=False)
        errors: list[BaseException] = []
        barrier = threading.Barrier(10)

        def complete() -> None:
            try:
                barrier.wait()
                services.course_complete(
                    user=self.officer, course=CoursePage.objects.get(pk=course.pk)
                )
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=complete) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(CreditEntry.objects.filter(user=self.officer).count(), 1)
        self.assertEqual(
            LearningEvent.objects.filter(
                actor=self.officer, verb="completed", object_type="course"
            ).count(),
            1,
        )
