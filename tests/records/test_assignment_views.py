"""The assignment pages (/records/assignments/): scope and the waiver/extension page.
New pages: every test fails on main (404 for the routes)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Post, Role
from records import services
from records.models import Assignment, AssignmentRule, AssignmentStatus, TrackedItem
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.casebank.factories import make_guideline


class AssignmentRulePageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.duty, _ = Post.objects.get_or_create(name="值班民警")
        cls.duty_a = UserFactory(
            username="duty_a", unit=cls.station_a1, post=cls.duty, roles=[Role.OFFICER]
        )
        cls.guideline = make_guideline("接处警工作指引")
        cls.url = reverse("records:assignment_rules")

    def post_rule(self, **data):
        body = {"target": f"guideline:{self.guideline.pk}", "include_subunits": "on"}
        body.update(data)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url, body)

    def test_unit_admin_assigns_a_guideline_to_a_post_in_their_branch(self):
        self.login(self.unit_admin_a)
        response = self.post_rule(unit=self.branch_a.pk, post=self.duty.pk)
        self.assertRedirects(response, self.url)
        assignment = Assignment.objects.get(
            item__item_type="guideline", item__item_id=str(self.guideline.pk)
        )
        self.assertEqual(assignment.user, self.duty_a)
        self.assertTrue(assignment.required)

    def test_unit_admin_cannot_assign_in_another_branch_or_everywhere(self):
        self.login(self.unit_admin_a)
        response = self.post_rule(unit=self.branch_b.pk, post=self.duty.pk)
        self.assertEqual(response.status_code, 200)
        response = self.post_rule(post=self.duty.pk)
        self.assertEqual(response.status_code, 200)
        response = self.post_rule(people=self.officer_b.police_number)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(AssignmentRule.objects.exists())

    def test_unit_admin_of_branch_a_cannot_delete_a_rule_of_branch_b(self):
        item = TrackedItem.objects.create(item_type="guideline", item_id="9", title="x")
        rule = services.assignment_rule_create(
            actor=self.system_admin, item=item, unit=self.branch_b
        )
        self.login(self.unit_admin_a)
        response = self.client.post(
            reverse("records:assignment_rule_delete", args=[rule.pk])
        )
        self.assertEqual(response.status_code, 404)
        self.assertTrue(AssignmentRule.objects.filter(pk=rule.pk).exists())

    def test_trainer_names_people_and_officers_are_refused(self):
        self.login(self.trainer)
        response = self.post_rule(people=f"{self.officer_b.username}\n")
        self.assertRedirects(response, self.url)
        self.assertEqual(AssignmentRule.objects.get().person, self.officer_b)
        self.login(self.officer)
        self.assertEqual(self.client.get(self.url).status_code, 403)


class ExemptionPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        item = TrackedItem.objects.create(item_type="guideline", item_id="1", title="x")
        cls.mine = Assignment.objects.create(user=cls.officer, item=item)
        cls.theirs = Assignment.objects.create(user=cls.officer_b, item=item)

    def test_unit_admin_waives_for_a_person_of_their_units_with_a_reason(self):
        self.login(self.unit_admin_a)
        url = reverse("records:assignment_exemption", args=[self.mine.pk])
        response = self.client.post(url, {"action": "waive", "reason": "病假"})
        self.assertRedirects(response, url)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.status, AssignmentStatus.WAIVED)

    def test_unit_admin_of_branch_a_gets_404_for_a_person_of_branch_b(self):
        self.login(self.unit_admin_a)
        url = reverse("records:assignment_exemption", args=[self.theirs.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(url, {"action": "waive", "reason": "x"})
        self.assertEqual(response.status_code, 404)
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.status, AssignmentStatus.ASSIGNED)

    def test_a_trainer_may_not_waive(self):
        self.login(self.trainer)
        url = reverse("records:assignment_exemption", args=[self.mine.pk])
        self.assertEqual(self.client.get(url).status_code, 403)
