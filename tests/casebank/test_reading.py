"""Guidelines as required reading (casebank.reading): assigned by a rule, confirmed by
the reader, completed on their record. New behaviour: fails on main (no such module)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Post, Role
from casebank.reading import GUIDELINE, guideline_read
from records import services as records_services
from records.models import Assignment, AssignmentStatus, LearningEvent
from records.selectors import person_record_get
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.casebank.factories import make_guideline


class RequiredReadingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.duty, _ = Post.objects.get_or_create(name="值班民警")
        cls.reader = UserFactory(
            username="reader", unit=cls.station_a1, post=cls.duty, roles=[Role.OFFICER]
        )
        cls.guideline = make_guideline(
            "接处警工作指引", body="<p>接警后五分钟内出警。</p>"
        )
        cls.restricted = make_guideline("内部指引", restricted_units=[cls.branch_b])

    def assign(self):
        item = GUIDELINE.item(str(self.guideline.pk))
        with self.captureOnCommitCallbacks(execute=True):
            records_services.assignment_rule_create(
                actor=self.system_admin, item=item, post=self.duty
            )
        return item

    def test_only_public_live_guidelines_can_be_assigned(self):
        ids = {pk for pk, _title in GUIDELINE.choices()}
        self.assertIn(str(self.guideline.pk), ids)
        self.assertNotIn(str(self.restricted.pk), ids)
        self.assertIsNone(GUIDELINE.item(str(self.restricted.pk)))

    def test_reading_completes_the_assignment_once_and_shows_on_the_record(self):
        item = self.assign()
        guideline_read(user=self.reader, guideline=self.guideline)
        guideline_read(user=self.reader, guideline=self.guideline)
        assignment = Assignment.objects.get(user=self.reader, item=item)
        self.assertEqual(assignment.status, AssignmentStatus.COMPLETED)
        self.assertEqual(
            LearningEvent.objects.filter(
                actor=self.reader, object_type="guideline"
            ).count(),
            1,
        )
        record = person_record_get(self.reader, assignment.completed_at.year)
        self.assertEqual([a.pk for a in record.readings], [assignment.pk])

    def test_a_guideline_that_is_not_required_reading_cannot_be_confirmed(self):
        self.assign()
        with self.assertRaises(ValidationError):
            guideline_read(user=self.officer_b, guideline=self.guideline)

    def test_the_page_offers_the_confirmation_and_the_home_page_lists_it(self):
        self.assign()
        self.client.force_login(self.reader)
        home = self.client.get("/")
        self.assertContains(home, "接处警工作指引")
        page = self.client.get(self.guideline.url)
        read_url = reverse("casebank:guideline_read", args=[self.guideline.pk])
        self.assertContains(page, read_url)
        response = self.client.post(read_url)
        self.assertRedirects(response, self.guideline.url)
        self.assertTrue(
            Assignment.objects.filter(
                user=self.reader, status=AssignmentStatus.COMPLETED
            ).exists()
        )

    def test_a_restricted_guideline_answers_404_to_an_outsider(self):
        self.client.force_login(self.reader)
        response = self.client.post(
            reverse("casebank:guideline_read", args=[self.restricted.pk])
        )
        self.assertEqual(response.status_code, 404)
