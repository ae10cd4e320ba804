"""The enforcement problem register (执法问题): recording, scope, audit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from casebank.models import EnforcementProblem, ProblemCategory, ProblemSeverity
from casebank.selectors import problem_queryset_visible_to
from casebank.services import (
    PROBLEM_FUTURE,
    PROBLEM_PERSON_OUTSIDE_UNIT,
    PROBLEM_UNIT_OUTSIDE_SCOPE,
    problem_record,
)
from tests.base import BaseTestCase

DAY = dt.date(2026, 3, 5)


def record(recorder, unit, person=None, **extra):
    fields = {
        "category": ProblemCategory.EVIDENCE,
        "severity": ProblemSeverity.SERIOUS,
        "description": "讯问笔录未记载告知权利义务",
        "found_on": DAY,
    }
    fields.update(extra)
    return problem_record(recorder=recorder, unit=unit, person=person, **fields)


class ProblemRecordTests(BaseTestCase):
    def test_legal_officer_records_a_problem_in_their_subtree_and_it_is_audited(self):
        problem = record(self.legal_officer, self.station_a1, person=self.officer)
        self.assertEqual(problem.unit, self.station_a1)
        self.assertEqual(problem.recorded_by, self.legal_officer)
        entry = AuditEntry.objects.get(action="casebank.problem.record")
        self.assertEqual(entry.target_id, str(problem.pk))
        self.assertEqual(entry.actor_id, self.legal_officer.pk)

    def test_legal_officer_cannot_record_outside_their_subtree(self):
        with self.assertRaisesMessage(
            PermissionDenied, str(PROBLEM_UNIT_OUTSIDE_SCOPE)
        ):
            record(self.legal_officer, self.station_b1)
        self.assertFalse(EnforcementProblem.objects.exists())

    def test_officer_and_unit_admin_cannot_record(self):
        for user in (self.officer, self.unit_admin_a, self.trainer):
            with self.assertRaises(PermissionDenied):
                record(user, self.station_a1)

    def test_person_must_belong_to_the_unit_subtree(self):
        with self.assertRaises(ValidationError) as raised:
            record(self.legal_officer, self.station_a2, person=self.officer)
        self.assertIn(str(PROBLEM_PERSON_OUTSIDE_UNIT), str(raised.exception))

    def test_refuses_a_future_date(self):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        with self.assertRaises(ValidationError) as raised:
            record(self.legal_officer, self.station_a1, found_on=tomorrow)
        self.assertIn(str(PROBLEM_FUTURE), str(raised.exception))

    def test_refuses_a_category_outside_the_list(self):
        with self.assertRaises(ValidationError):
            record(self.legal_officer, self.station_a1, category="made_up")


class ProblemScopeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.in_a = record(cls.legal_officer, cls.station_a1, person=cls.officer)
        cls.in_b = record(cls.system_admin, cls.station_b1, person=cls.officer_b)

    def visible(self, user):
        return set(problem_queryset_visible_to(user))

    def test_each_role_sees_its_scope(self):
        self.assertEqual(self.visible(self.unit_admin_a), {self.in_a})
        self.assertEqual(self.visible(self.unit_admin_b), {self.in_b})
        self.assertEqual(self.visible(self.leader), {self.in_a})
        self.assertEqual(self.visible(self.legal_officer), {self.in_a})
        self.assertEqual(self.visible(self.system_admin), {self.in_a, self.in_b})
        # The person it was recorded against sees it; another officer does not.
        self.assertEqual(self.visible(self.officer), {self.in_a})
        self.assertEqual(self.visible(self.officer_b), {self.in_b})
        self.assertEqual(self.visible(self.trainer), set())
        self.assertEqual(self.visible(self.audit_admin), set())
