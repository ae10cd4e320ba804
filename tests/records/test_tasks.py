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
        kwargs = {"user_id": user.pk, "hours": "1.5", "category": "law", "source_type": "course",
                  "source_id": "42"}
        first = credit_hours_task.apply_async(kwargs=kwargs).get(timeout=30)
        second = credit_hours_task.apply_async(kwargs=kwargs).get(timeout=30)
        self.assertEqual(first, second)
        self.assertEqual(CreditEntry.objects.filter(user=user).count(), 1)
