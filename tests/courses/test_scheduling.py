"""Go-live dates fire (Wagtail's publish_scheduled on beat) and a course approved in
review goes live with its lessons' drafts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from core.tasks import publish_scheduled_task
from courses.models import CoursePage, CourseReviewTask, LessonPage
from courses.services import course_section_publishing_setup
from tests.base import BaseTestCase

from . import factories


class PublishScheduledTests(BaseTestCase):
    def test_publish_scheduled_is_on_beat(self):
        entry = settings.CELERY_BEAT_SCHEDULE["wagtail-publish-scheduled"]
        self.assertEqual(entry["task"], "core.publish_scheduled")
        self.assertLessEqual(entry["schedule"], 60)
        self.assertIn("core.publish_scheduled", app.tasks)

    def test_a_go_live_date_in_the_past_is_published_by_the_task(self):
        section = factories.course_index("法律法规")
        course = factories.course(section, title="定时课程", live=False)
        course.go_live_at = timezone.now() + timedelta(minutes=5)
        revision = course.save_revision()
        revision.publish()  # scheduled: waits for its date
        course.refresh_from_db()
        self.assertFalse(course.live)
        # The date comes (the revision's go-live date moves into the past).
        past = timezone.now() - timedelta(seconds=1)
        revision.approved_go_live_at = past
        revision.content["go_live_at"] = past.isoformat()
        revision.save(update_fields=["approved_go_live_at", "content"])
        publish_scheduled_task.delay()
        course.refresh_from_db()
        self.assertTrue(course.live)


class CourseCarriesLessonsTests(BaseTestCase):
    def test_approving_a_course_publishes_its_lesson_drafts(self):
        section = factories.course_index("法律法规")
        workflow = course_section_publishing_setup(
            section=section, editor_groups=[Group.objects.get(name=Role.TRAINER)]
        )
        course = factories.course(
            section, title="新课程", live=False, owner=self.trainer
        )
        first = factories.lesson(course, title="第一讲", live=False)
        second = factories.lesson(course, title="第二讲", live=False)
        first.save_revision(user=self.trainer)
        second.save_revision(user=self.trainer)
        course.save_revision(user=self.trainer)
        course = CoursePage.objects.get(pk=course.pk)
        self.assertEqual(
            [lesson.pk for lesson in course.review_carries()], [first.pk, second.pk]
        )
        state = workflow.start(course, self.trainer)
        CourseReviewTask.objects.get().on_action(
            state.current_task_state, self.legal_officer, "approve"
        )
        course.refresh_from_db()
        self.assertTrue(course.live)
        self.assertEqual(
            set(
                LessonPage.objects.child_of(course).live().values_list("pk", flat=True)
            ),
            {first.pk, second.pk},
        )
