"""Courses under records' assignment rules: named people and posts on top of the editor's
audience, electives made required for the people a rule names, and recompute on a change
of post. On main no rule reached courses: these tests fail there."""

from __future__ import annotations

from accounts.models import Post, Role
from courses import services
from courses.assignables import COURSE
from records import services as records_services
from records.models import Assignment
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from . import factories


class CourseRuleTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.duty, _ = Post.objects.get_or_create(name="值班民警")
        cls.duty_b = UserFactory(
            username="duty_b", unit=cls.station_b1, post=cls.duty, roles=[Role.OFFICER]
        )

    def required(self, course) -> set[str]:
        return set(
            Assignment.objects.filter(
                item__item_type="course", item__item_id=str(course.pk), required=True
            ).values_list("user__username", flat=True)
        )

    def rule(self, course, **criteria):
        with self.captureOnCommitCallbacks(execute=True):
            records_services.assignment_rule_create(
                actor=self.trainer, item=COURSE.item(str(course.pk)), **criteria
            )

    def test_a_named_person_gets_an_elective_as_required(self):
        course = factories.course(self.index, required=False)
        self.rule(course, person=self.officer_b)
        self.assertEqual(self.required(course), {"officer_b1"})

    def test_a_post_rule_adds_to_the_editors_audience_and_follows_a_change_of_post(
        self,
    ):
        course = factories.course(
            self.index, rules=[{"role": Role.LEGAL_OFFICER, "unit": self.branch_a}]
        )
        services.course_assignments_sync(course=course)
        self.rule(course, post=self.duty)
        self.assertEqual(self.required(course), {"legal_a", "duty_b"})
        with self.captureOnCommitCallbacks(execute=True):
            self.duty_b.post = None
            self.duty_b.save()
        self.assertEqual(self.required(course), {"legal_a"})
        with self.captureOnCommitCallbacks(execute=True):
            self.officer.post = self.duty
            self.officer.save()
        self.assertEqual(self.required(course), {"legal_a", "officer_a1"})
