from __future__ import annotations

import shutil

from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.models import User
from courses import demo
from courses.models import CoursePage, LessonPage, PreMeetingStudySession
from courses.selectors import pre_meeting_study_counts
from records.models import Assignment, CreditEntry

from . import factories


def keyword_search_only():
    # Seeding publishes cases and articles, which are indexed for search; keyword
    # indexing is enough here and spares loading the sentence-embedding model.
    backends = {"default": {**settings.SEARCH_BACKENDS["default"], "SEMANTIC": False}}
    return override_settings(SEARCH_BACKENDS=backends)


@keyword_search_only()
class DemoTests(TestCase):
    def test_seed_is_idempotent_complete_and_renders(self):
        factories.ensure_site()
        accounts_demo.seed()
        demo.seed()
        demo.seed()
        self.assertEqual(CoursePage.objects.live().count(), 3)
        for course in CoursePage.objects.all():
            lessons = list(course.lessons())
            self.assertGreaterEqual(len(lessons), 3)
            kinds = {block.block_type for lesson in lessons for block in lesson.body}
            self.assertTrue(
                {"article", "case", "practice", "rich_text"} <= kinds | {"rich_text"},
                course.title,
            )
            self.assertIn("case", kinds)
        for lesson in LessonPage.objects.all():
            for block in lesson.blocks_of("article"):
                self.assertTrue(block.value["article"].current_version().text)
        officer1 = User.objects.get(username="officer1")
        self.assertEqual(CreditEntry.objects.filter(user=officer1).count(), 1)
        self.assertTrue(
            Assignment.objects.filter(
                user__username="officer30", required=True
            ).exists()
        )
        leader = User.objects.get(username="leader1")
        counts = pre_meeting_study_counts([leader], timezone.localdate().year)
        self.assertGreaterEqual(counts[leader.pk], 1)
        self.assertEqual(PreMeetingStudySession.objects.count(), 5)
        self._pages_render()

    def _pages_render(self):
        self.client.force_login(User.objects.get(username="officer1"))
        course = CoursePage.objects.get(slug="shouan-lian-guifan")
        self.assertContains(self.client.get(course.url), "受案立案规范")
        lesson = course.lessons()[0]
        response = self.client.get(lesson.url)
        self.assertContains(response, "都应当接受")  # the article text in force
        case_lesson = course.lessons()[2]
        self.assertContains(self.client.get(case_lesson.url), "不接不立")
        self.assertEqual(self.client.get("/learn/").status_code, 200)
        if shutil.which("ffmpeg"):
            # The generated slide video plays through the range-capable view.
            video_lesson = next(
                lesson
                for lesson in LessonPage.objects.live()
                if lesson.blocks_of("video")
            )
            block = video_lesson.blocks_of("video")[0]
            response = self.client.get(
                reverse("courses:media", args=[video_lesson.pk, block.id]),
                HTTP_RANGE="bytes=0-7",
            )
            self.assertEqual(response.status_code, 206)
            self.assertEqual(b"".join(response.streaming_content)[4:8], b"ftyp")
            self.assertContains(self.client.get(video_lesson.url), "<track")
        self.client.force_login(User.objects.get(username="leader1"))
        self.assertContains(self.client.get("/learn/pre-meeting/"), "局党委会")
