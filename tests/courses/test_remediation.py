"""From problems to training: a recorded problem assigns the learning mapped to its
category; completing it puts the problem right (已整改（培训完成）)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Role
from casebank.models import ProblemRemediation, RemediationState, remediation_state
from courses import services
from courses.remediation import (
    problem_category_summary,
    problem_training_rule_save,
)
from records.models import Assignment, AssignmentStatus
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.casebank.test_problems import record

from . import factories


class RemediationTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.evidence_course = factories.course(
            cls.index, title="证据收集规范", required=False
        )
        cls.second_course = factories.course(
            cls.index, title="物证保管", required=False
        )
        problem_training_rule_save(
            editor=cls.trainer,
            category="evidence",
            courses=[cls.evidence_course, cls.second_course],
            question_tags="证据, 取证",
            due_days=30,
        )

    def state(self, problem):
        return remediation_state(list(problem.remediations.all()))

    def test_a_problem_against_a_person_assigns_the_mapped_courses_with_a_due_date(
        self,
    ):
        problem = record(self.legal_officer, self.station_a1, person=self.officer)
        assignments = Assignment.objects.filter(user=self.officer, required=True)
        self.assertEqual(
            {a.item.item_id for a in assignments},
            {str(self.evidence_course.pk), str(self.second_course.pk)},
        )
        due = problem.remediations.first().due_at
        days = (due - timezone.now()).days
        self.assertIn(days, (29, 30))
        self.assertTrue(all(a.due_at == due for a in assignments))
        self.assertEqual(self.state(problem), RemediationState.OPEN)

    def test_completing_every_course_puts_the_problem_right(self):
        problem = record(self.legal_officer, self.station_a1, person=self.officer)
        services.course_complete(user=self.officer, course=self.evidence_course)
        self.assertEqual(self.state(problem), RemediationState.OPEN)
        services.course_complete(user=self.officer, course=self.second_course)
        self.assertEqual(self.state(problem), RemediationState.CLOSED)
        self.assertTrue(all(r.on_time for r in problem.remediations.all()))

    def test_a_unit_wide_problem_assigns_the_units_active_officers(self):
        colleague = UserFactory(unit=self.station_a1, roles=[Role.OFFICER])
        UserFactory(unit=self.station_a1, roles=[Role.OFFICER], is_active=False)
        problem = record(self.legal_officer, self.station_a1)
        people = set(problem.remediations.values_list("assignment__user", flat=True))
        self.assertEqual(people, {self.officer.pk, colleague.pk})

    def test_an_unmapped_category_assigns_nothing(self):
        problem = record(
            self.legal_officer,
            self.station_a1,
            person=self.officer,
            category="property",
        )
        self.assertFalse(ProblemRemediation.objects.filter(problem=problem).exists())
        self.assertEqual(self.state(problem), RemediationState.NONE)

    def test_progress_already_made_is_kept_and_the_assignment_becomes_required(self):
        item = services.course_tracked_item(course=self.evidence_course)
        services.course_enrol(user=self.officer, course=self.evidence_course)
        Assignment.objects.filter(user=self.officer, item=item).update(
            status=AssignmentStatus.IN_PROGRESS, progress=0.5
        )
        record(self.legal_officer, self.station_a1, person=self.officer)
        assignment = Assignment.objects.get(user=self.officer, item=item)
        self.assertTrue(assignment.required)
        self.assertEqual(assignment.progress, 0.5)
        self.assertIsNotNone(assignment.due_at)

    def test_late_completion_is_closed_but_not_on_time(self):
        problem = record(self.legal_officer, self.station_a1, person=self.officer)
        ProblemRemediation.objects.filter(problem=problem).update(
            due_at=timezone.now() - dt.timedelta(days=1)
        )
        self.assertEqual(self.state(problem), RemediationState.OVERDUE)
        services.course_complete(user=self.officer, course=self.evidence_course)
        services.course_complete(user=self.officer, course=self.second_course)
        self.assertEqual(self.state(problem), RemediationState.CLOSED)
        self.assertFalse(any(r.on_time for r in problem.remediations.all()))

    def test_repeated_problems_raise_the_category_in_the_units_summary(self):
        for _ in range(3):
            record(self.legal_officer, self.station_a1, category="procedure")
        record(self.legal_officer, self.station_a2, category="evidence")
        summary = problem_category_summary(unit=self.branch_a, year=2026)
        self.assertEqual(summary[0].category, "procedure")
        self.assertEqual(summary[0].count, 3)
        self.assertTrue(summary[0].repeated)
        self.assertFalse(summary[1].repeated)


class ProblemTrainingPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.course = factories.course(cls.index, title="受案立案规范", required=False)

    def test_trainer_maps_a_category_to_a_course(self):
        from django.urls import reverse

        from courses.models import ProblemTrainingRule

        self.login(self.trainer)
        url = reverse("courses:problem_training")
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            url,
            {
                "which": "acceptance",
                "acceptance-category": "acceptance",
                "acceptance-courses": [self.course.pk],
                "acceptance-question_tags": "受案",
                "acceptance-due_days": "14",
            },
        )
        self.assertRedirects(response, url)
        rule = ProblemTrainingRule.objects.get(category="acceptance")
        self.assertEqual(list(rule.courses.all()), [self.course])
        self.assertEqual(rule.due_days, 14)

    def test_officer_and_legal_officer_are_refused(self):
        from django.urls import reverse

        for user in (self.officer, self.legal_officer):
            self.login(user)
            url = reverse("courses:problem_training")
            self.assertEqual(self.client.get(url).status_code, 403)
