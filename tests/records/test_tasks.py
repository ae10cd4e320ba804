from django.test import TransactionTestCase

import pytest

from records.models import CreditEntry
from records.tasks import credit_hours_task
from tests.accounts.factories import UserFactory


@pytest.mark.integration
@pytest.mark.usefixtures("celery_worker_process")
class CreditHoursTaskOnWorkerTests(TransactionTestCase):
    """The task runs on a real worker (Redis broker, PostgreSQL) and stays idempotent
    when the same message is delivered twice."""

    def test_task_delivered_twice_credits_once(self):
        user = UserFactory()
        kwargs = {
            "user_id": user.pk,
            "hours": "1.5",
            "category": "law",
            "source_type": "course",
            "source_id": "42",
        }
        first = credit_hours_task.apply_async(kwargs=kwargs).get(timeout=30)
        second = credit_hours_task.apply_async(kwargs=kwargs).get(timeout=30)
        self.assertEqual(first, second)
        self.assertEqual(CreditEntry.objects.filter(user=user).count(), 1)


@pytest.mark.integration
@pytest.mark.usefixtures("celery_worker_process")
class ExportJobOnWorkerTests(TransactionTestCase):
    """A background export runs on a real worker and writes the file the requester downloads."""

    def test_export_job_completes_on_the_worker(self):
        import time
        from datetime import timedelta

        from django.utils import timezone

        from accounts.models import Role
        from records.models import ExportJob, ExportStatus
        from records.services import export_job_create
        from tests.accounts.factories import UnitFactory
        from tests.records.factories import AssignmentFactory, TrackedItemFactory

        unit = UnitFactory(code="INT", name="集成测试分局")
        admin = UserFactory(unit=unit, roles=[Role.UNIT_ADMIN])
        item = TrackedItemFactory()
        for _ in range(3):
            AssignmentFactory(
                user=UserFactory(unit=unit),
                item=item,
                period=str(timezone.localdate().year),
                due_at=timezone.now() - timedelta(days=1),
            )
        job = export_job_create(
            requester=admin,
            report="overdue",
            unit_id=unit.pk,
            params={"year": timezone.localdate().year},
            fmt="xlsx",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
                break
            time.sleep(0.5)
        self.assertEqual(job.status, ExportStatus.DONE, job.error)
        # The worker wrote the file under its MEDIA_ROOT (its own temporary folder unless
        # TEST_VAR_DIR is shared); the rows it counted are those of the requester's scope.
        self.assertEqual((job.rows, job.total), (3, 3))
        self.assertTrue(job.file.startswith("exports/"))
        self.assertEqual(ExportJob.objects.count(), 1)
