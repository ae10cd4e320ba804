"""records.services.assignment_require: one person's required assignment with a due date."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from records.models import AssignmentStatus
from records.services import assignment_complete, assignment_require
from tests.base import BaseTestCase

from .factories import TrackedItemFactory


class AssignmentRequireTests(BaseTestCase):
    def test_creates_a_required_assignment_with_its_source(self):
        item = TrackedItemFactory()
        due = timezone.now() + dt.timedelta(days=30)
        a = assignment_require(
            user=self.officer, item=item, due_at=due, source="problem"
        )
        self.assertTrue(a.required)
        self.assertEqual((a.source, a.due_at), ("problem", due))

    def test_keeps_the_earlier_due_date_and_the_completion(self):
        item = TrackedItemFactory()
        early = timezone.now() + dt.timedelta(days=5)
        assignment_require(user=self.officer, item=item, due_at=early)
        later = assignment_require(
            user=self.officer, item=item, due_at=early + dt.timedelta(days=20)
        )
        self.assertEqual(later.due_at, early)
        assignment_complete(user=self.officer, item=item)
        again = assignment_require(
            user=self.officer, item=item, due_at=early - dt.timedelta(days=1)
        )
        self.assertEqual(again.status, AssignmentStatus.COMPLETED)
        self.assertEqual(again.due_at, early)
