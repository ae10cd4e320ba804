"""Completion rules with evidence (issue 14): engaged time measured by the server, practice
answered right without being shown the key, 学时 only when every rule holds, and the
rules and time spent written to the training record."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.test import override_settings

import time_machine

from accounts.models import Role
from courses import services
from courses.models import LessonProgress
from records.models import Assignment, AssignmentStatus, CreditEntry
from tests.base import BaseTestCase

from . import factories

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 5, 4, 9, 0, tzinfo=TZ)


class EvidenceTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.course = factories.course(
            cls.index, hours="2", rules=[{"role": Role.OFFICER}]
        )
        cls.reading = factories.lesson(cls.course, title="阅读", min_engaged_minutes=2)
        cls.practice = factories.lesson(
            cls.course,
            title="练习",
            blocks=[factories.practice_block()],
            min_engaged_minutes=1,
        )

    def _beat(self, lesson, seconds=30):
        return services.lesson_heartbeat(
            user=self.officer, lesson=lesson, seconds=seconds
        )


class EngagedTimeTests(EvidenceTestCase):
    def test_heartbeats_count_wall_clock_time_not_what_the_client_declares(self):
        with time_machine.travel(START, tick=False) as clock:
            services.lesson_open(user=self.officer, lesson=self.reading)
            clock.shift(1)
            progress = self._beat(self.reading, seconds=5000)
            self.assertEqual(progress.seconds_spent, 1)
            # Replaying heartbeats at once adds nothing.
            for _ in range(20):
                progress = self._beat(self.reading, seconds=60)
            self.assertEqual(progress.seconds_spent, 1)
            clock.shift(30)
            self.assertEqual(self._beat(self.reading).seconds_spent, 31)
            # A tab left open for an hour counts one heartbeat's worth at most.
            clock.shift(3600)
            self.assertEqual(self._beat(self.reading, 3600).seconds_spent, 91)

    def test_two_lessons_open_at_once_share_the_same_wall_clock(self):
        with time_machine.travel(START, tick=False) as clock:
            services.lesson_open(user=self.officer, lesson=self.reading)
            services.lesson_open(user=self.officer, lesson=self.practice)
            for _ in range(4):
                clock.shift(30)
                self._beat(self.reading)
                self._beat(self.practice)
        spent = sum(
            LessonProgress.objects.filter(user=self.officer).values_list(
                "seconds_spent", flat=True
            )
        )
        self.assertLessEqual(spent, 120)

    def test_lesson_completes_only_after_its_minimum_engaged_time(self):
        with time_machine.travel(START, tick=False) as clock:
            progress = services.lesson_open(user=self.officer, lesson=self.reading)
            self.assertIsNone(progress.completed_at)
            for _ in range(3):
                clock.shift(30)
                self._beat(self.reading)
            progress.refresh_from_db()
            self.assertIsNone(progress.completed_at)  # 90 s of 120
            clock.shift(30)
            self._beat(self.reading)
            progress.refresh_from_db()
            self.assertIsNotNone(progress.completed_at)

    @override_settings(COURSES_MIN_ENGAGED_SHARE=0.5)
    def test_without_a_set_minimum_half_the_estimated_time_is_required(self):
        lesson = factories.lesson(self.course, title="默认", min_engaged_minutes=None)
        lesson.estimated_minutes = 10
        self.assertEqual(services.lesson_min_engaged_seconds(lesson), 300)


class PracticeKeyTests(EvidenceTestCase):
    def test_a_wrong_answer_shows_the_analysis_not_the_key_and_locks_the_question(self):
        block_id = self.practice.body[0].id
        with time_machine.travel(START, tick=False) as clock:
            services.lesson_open(user=self.officer, lesson=self.practice)
            wrong = services.practice_answer(
                user=self.officer, lesson=self.practice, block_id=block_id, choices=[0]
            )
            self.assertFalse(wrong.correct)
            self.assertEqual(wrong.correct_choices, [])
            self.assertTrue(wrong.explanation)
            # Trying the next option at once is refused: study first.
            with self.assertRaisesMessage(
                ValidationError, "请再学习本讲内容后重新作答"
            ):
                services.practice_answer(
                    user=self.officer,
                    lesson=self.practice,
                    block_id=block_id,
                    choices=[1],
                )
            for _ in range(4):  # two minutes of engaged time
                clock.shift(30)
                self._beat(self.practice)
            right = services.practice_answer(
                user=self.officer, lesson=self.practice, block_id=block_id, choices=[1]
            )
        self.assertTrue(right.correct)
        self.assertEqual(right.correct_choices, [1])


class CourseCreditTests(EvidenceTestCase):
    def _click_through(self):
        block_id = self.practice.body[0].id
        services.lesson_open(user=self.officer, lesson=self.reading)
        services.lesson_open(user=self.officer, lesson=self.practice)
        services.practice_answer(
            user=self.officer, lesson=self.practice, block_id=block_id, choices=[1]
        )

    def test_clicking_through_without_study_earns_no_credit(self):
        with time_machine.travel(START, tick=False):
            self._click_through()
        self.assertFalse(CreditEntry.objects.filter(user=self.officer).exists())
        assignment = Assignment.objects.get(
            user=self.officer, item__item_id=str(self.course.pk)
        )
        self.assertNotEqual(assignment.status, AssignmentStatus.COMPLETED)

    def test_study_earns_credit_and_the_record_keeps_the_evidence(self):
        with time_machine.travel(START, tick=False) as clock:
            self._click_through()
            for _ in range(4):
                clock.shift(30)
                self._beat(self.reading)
            services.lesson_open(user=self.officer, lesson=self.practice)
            for _ in range(2):
                clock.shift(30)
                self._beat(self.practice)
        entry = CreditEntry.objects.get(user=self.officer)
        self.assertEqual(str(entry.hours), "2.00")
        assignment = Assignment.objects.get(
            user=self.officer, item__item_id=str(self.course.pk)
        )
        self.assertEqual(assignment.status, AssignmentStatus.COMPLETED)
        evidence = assignment.evidence
        self.assertEqual(evidence["seconds"], 180)
        lessons = {row["title"]: row for row in evidence["lessons"]}
        self.assertEqual(lessons["阅读"]["seconds"], 120)
        self.assertEqual(lessons["阅读"]["min_seconds"], 120)
        self.assertEqual(lessons["练习"]["practice"], [1, 1])
        self.assertTrue(all(row["met"] for row in evidence["lessons"]))

    def test_the_record_page_shows_the_rules_and_the_time_spent(self):
        services.course_assignments_sync(course=self.course)
        with time_machine.travel(START, tick=False) as clock:
            services.lesson_open(user=self.officer, lesson=self.reading)
            for _ in range(2):
                clock.shift(30)
                self._beat(self.reading)
        self.client.force_login(self.officer)
        response = self.client.get("/records/me/")
        body = response.content.decode()
        # Still to do: the reading lesson at 1 of 2 minutes, the practice not met.
        self.assertIn("✗ 阅读: 1/2", body)
        self.assertIn("练习 0/1", body)
