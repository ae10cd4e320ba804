from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from wagtail.models import Workflow

from accounts.models import Role
from courses.models import CoursePage, CourseReviewTask
from courses.services import course_section_publishing_setup
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from . import factories


class ReviewWorkflowTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.section = factories.course_index("法律法规")
        cls.other_section = factories.course_index("警种业务")
        cls.trainer2 = UserFactory(
            username="trainer2", unit=cls.city, roles=[Role.TRAINER]
        )
        cls.workflow = course_section_publishing_setup(
            section=cls.section, editor_groups=[Group.objects.get(name=Role.TRAINER)]
        )
        course_section_publishing_setup(section=cls.other_section, editor_groups=[])

    def _draft(self, by):
        course = factories.course(self.section, title="草稿课程", live=False, owner=by)
        course.save_revision(user=by)
        return CoursePage.objects.get(pk=course.pk)

    def test_trainer_drafts_but_cannot_publish(self):
        course = self._draft(self.trainer)
        permissions = course.permissions_for_user(self.trainer)
        self.assertTrue(permissions.can_edit())
        self.assertFalse(permissions.can_publish())
        self.assertTrue(
            self.section.permissions_for_user(self.trainer).can_add_subpage()
        )

    def test_trainer_sees_only_the_sections_granted_to_them(self):
        self.assertFalse(
            self.other_section.permissions_for_user(self.trainer).can_add_subpage()
        )
        self.assertFalse(
            self.other_section.permissions_for_user(self.trainer).can_edit()
        )

    def test_submitter_cannot_approve_and_a_second_person_can(self):
        course = self._draft(self.trainer)
        state = self.workflow.start(course, self.trainer)
        task = CourseReviewTask.objects.get()
        task_state = state.current_task_state
        self.assertEqual(task.get_actions(course, self.trainer), [])
        with self.assertRaises(PermissionDenied):
            task.on_action(task_state, self.trainer, "approve")
        self.assertFalse(task.get_task_states_user_can_moderate(self.trainer).exists())
        self.assertTrue(
            task.get_task_states_user_can_moderate(self.legal_officer).exists()
        )
        self.assertTrue(task.get_actions(course, self.legal_officer))
        task.on_action(task_state, self.legal_officer, "approve")
        course.refresh_from_db()
        self.assertTrue(course.live)

    def test_another_trainer_may_review(self):
        course = self._draft(self.trainer)
        state = self.workflow.start(course, self.trainer)
        self.assertTrue(
            CourseReviewTask.objects.get().get_actions(course, self.trainer2)
        )
        state.current_task_state.specific.task.specific.on_action(
            state.current_task_state, self.trainer2, "approve"
        )
        course.refresh_from_db()
        self.assertTrue(course.live)

    def test_setup_is_idempotent(self):
        course_section_publishing_setup(
            section=self.section, editor_groups=[Group.objects.get(name=Role.TRAINER)]
        )
        self.assertEqual(Workflow.objects.filter(name="课程审核").count(), 1)
        self.assertEqual(CourseReviewTask.objects.count(), 1)

    @override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
    def test_trainer_edit_view_offers_submit_not_publish(self):
        course = self._draft(self.trainer)
        self.login(self.trainer)
        response = self.client.get(f"/admin/pages/{course.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="action-submit"')
        self.assertNotContains(response, 'name="action-publish"')

    def test_trainer_needs_two_factor_for_the_admin(self):
        self.login(self.trainer, verified=False)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/two-factor/", response["Location"])

    def test_officer_cannot_reach_the_admin(self):
        self.login(self.officer)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertNotEqual(response["Location"].rstrip("/"), "/admin")
        self.assertEqual(
            self.client.get(f"/admin/pages/{self.section.pk}/").status_code, 302
        )


class ScheduledPublishingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.section = factories.course_index("法律法规")
        cls.workflow = course_section_publishing_setup(
            section=cls.section, editor_groups=[Group.objects.get(name=Role.TRAINER)]
        )

    def test_approved_course_with_a_go_live_date_waits_then_assigns(self):
        from datetime import timedelta

        from django.core.management import call_command
        from django.utils import timezone

        import time_machine

        from records.models import Assignment

        course = factories.course(
            self.section,
            title="定时发布课程",
            live=False,
            rules=[{"role": Role.OFFICER}],
        )
        course.go_live_at = timezone.now() + timedelta(days=1)
        course.save_revision(user=self.trainer)
        state = self.workflow.start(CoursePage.objects.get(pk=course.pk), self.trainer)
        state.current_task_state.task.specific.on_action(
            state.current_task_state, self.legal_officer, "approve"
        )
        course.refresh_from_db()
        self.assertFalse(course.live)
        with (
            time_machine.travel(timezone.now() + timedelta(days=2)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            call_command("publish_scheduled")
        course.refresh_from_db()
        self.assertTrue(course.live)
        self.assertTrue(
            Assignment.objects.filter(
                user=self.officer, item__item_id=str(course.pk), required=True
            ).exists()
        )
