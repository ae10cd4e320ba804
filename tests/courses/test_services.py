from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from accounts.models import Role, RoleAssignment
from courses import services
from courses.models import (
    AttendanceStatus,
    LessonProgress,
    PreMeetingAttendance,
    PreMeetingStudySession,
)
from courses.selectors import my_learning, pre_meeting_study_counts
from records.models import Assignment, AssignmentStatus, CreditEntry, LearningEvent
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from . import factories


class CourseTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()


class AudienceTests(CourseTestCase):
    def test_required_course_is_assigned_to_officers_of_the_unit_subtree(self):
        course = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.branch_a}]
        )
        added, released = services.course_assignments_sync(course=course)
        assigned = set(
            Assignment.objects.filter(
                item__item_id=str(course.pk), required=True
            ).values_list("user__username", flat=True)
        )
        self.assertEqual(assigned, {"officer_a1", "legal_a"})
        self.assertEqual((added, released), (2, 0))

    def test_unit_only_rule_without_subunits_matches_that_unit_alone(self):
        course = factories.course(
            self.index, rules=[{"unit": self.branch_a, "include_subunits": False}]
        )
        services.course_assignments_sync(course=course)
        assigned = set(
            Assignment.objects.filter(item__item_id=str(course.pk)).values_list(
                "user__username", flat=True
            )
        )
        self.assertEqual(assigned, {"legal_a", "leader_a", "admin_a"})

    def test_moving_unit_releases_the_assignment_and_keeps_progress(self):
        course = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.branch_a}]
        )
        lesson_one = factories.lesson(course, title="一")
        factories.lesson(course, title="二", blocks=[factories.practice_block()])
        services.course_assignments_sync(course=course)
        services.lesson_open(user=self.officer, lesson=lesson_one)
        self.officer.unit = self.station_b1
        self.officer.save()
        services.user_assignments_recompute(user=self.officer)
        assignment = Assignment.objects.get(
            user=self.officer, item__item_id=str(course.pk)
        )
        self.assertFalse(assignment.required)
        self.assertEqual(assignment.progress, 0.5)
        self.assertTrue(
            LessonProgress.objects.filter(
                user=self.officer, lesson=lesson_one, completed_at__isnull=False
            ).exists()
        )
        # Moving back makes it required again, progress intact.
        self.officer.unit = self.station_a2
        self.officer.save()
        services.user_assignments_recompute(user=self.officer)
        assignment.refresh_from_db()
        self.assertTrue(assignment.required)
        self.assertEqual(assignment.progress, 0.5)

    def test_moving_a_unit_to_another_branch_moves_its_people_between_audiences(self):
        from accounts.services import unit_move

        course_a = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.branch_a}]
        )
        course_b = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.branch_b}]
        )
        services.course_assignments_sync(course=course_a)
        services.course_assignments_sync(course=course_b)
        self.assertFalse(
            Assignment.objects.filter(
                user=self.officer, item__item_id=str(course_b.pk)
            ).exists()
        )
        with self.captureOnCommitCallbacks(execute=True):
            unit_move(
                actor=self.system_admin,
                unit=self.officer.unit,
                new_parent=self.branch_b,
            )
        mine = dict(
            Assignment.objects.filter(user=self.officer).values_list(
                "item__item_id", "required"
            )
        )
        self.assertIs(mine[str(course_b.pk)], True)
        self.assertIs(mine[str(course_a.pk)], False)

    def test_person_joining_later_gets_required_courses_through_the_signal(self):
        course = factories.course(
            self.index, rules=[{"role": Role.OFFICER, "unit": self.branch_b}]
        )
        services.course_assignments_sync(course=course)
        with self.captureOnCommitCallbacks(execute=True):
            newcomer = UserFactory(
                username="newcomer", unit=self.station_b1, roles=[Role.OFFICER]
            )
        self.assertTrue(
            Assignment.objects.filter(
                user=newcomer, item__item_id=str(course.pk), required=True
            ).exists()
        )

    def test_role_change_recomputes_assignments(self):
        course = factories.course(self.index, rules=[{"role": Role.LEADER}])
        services.course_assignments_sync(course=course)
        self.assertFalse(
            Assignment.objects.filter(
                user=self.officer_b, item__item_id=str(course.pk)
            ).exists()
        )
        with self.captureOnCommitCallbacks(execute=True):
            RoleAssignment.objects.create(user=self.officer_b, role=Role.LEADER)
        self.assertTrue(
            Assignment.objects.filter(
                user=self.officer_b, item__item_id=str(course.pk), required=True
            ).exists()
        )

    def test_publishing_a_required_course_assigns_it(self):
        course = factories.course(
            self.index,
            rules=[{"role": Role.OFFICER, "unit": self.branch_b}],
            live=False,
        )
        with self.captureOnCommitCallbacks(execute=True):
            course.save_revision().publish()
        self.assertTrue(
            Assignment.objects.filter(
                user=self.officer_b, item__item_id=str(course.pk)
            ).exists()
        )
        course.refresh_from_db()
        with self.captureOnCommitCallbacks(execute=True):
            course.unpublish()
        self.assertFalse(
            Assignment.objects.get(
                user=self.officer_b, item__item_id=str(course.pk)
            ).required
        )

    def test_yearly_course_is_assigned_for_the_current_year(self):
        course = factories.course(
            self.index, rules=[{"role": Role.LEADER}], yearly=True
        )
        services.course_assignments_sync(course=course)
        assignment = Assignment.objects.get(
            user=self.leader, item__item_id=str(course.pk)
        )
        from django.utils import timezone

        self.assertEqual(assignment.period, str(timezone.localdate().year))
        self.assertEqual(
            timezone.localtime(assignment.due_at).date().isoformat()[5:], "12-31"
        )


class CompletionRuleTests(CourseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.course = factories.course(
            cls.index, hours="3", rules=[{"role": Role.OFFICER}]
        )
        cls.video = factories.video_document()
        cls.video_lesson = factories.lesson(
            cls.course, title="视频课", blocks=[factories.video_block(cls.video)]
        )
        cls.practice_lesson = factories.lesson(
            cls.course,
            title="练习",
            blocks=[
                factories.practice_block(),
                factories.practice_block("多选题", correct=(0, 2)),
            ],
        )
        cls.text_lesson = factories.lesson(cls.course, title="阅读")

    def _watch(self, start, end, duration=100):
        block_id = self.video_lesson.body[0].id
        return services.video_progress_record(
            user=self.officer,
            lesson=self.video_lesson,
            block_id=block_id,
            start=start,
            end=end,
            duration=duration,
        )

    def test_text_only_lesson_completes_when_opened(self):
        progress = services.lesson_open(user=self.officer, lesson=self.text_lesson)
        self.assertIsNotNone(progress.completed_at)

    def test_video_lesson_needs_ninety_percent_actually_played(self):
        services.lesson_open(user=self.officer, lesson=self.video_lesson)
        # Jumping to the end claims at most one segment, not the whole video.
        self.assertAlmostEqual(self._watch(0, 100), 0.3)  # only 70..100 counts
        position = 0.0
        while position < 55:
            self._watch(position, position + 5)
            position += 5
        progress = LessonProgress.objects.get(
            user=self.officer, lesson=self.video_lesson
        )
        self.assertIsNone(progress.completed_at)  # 85 % watched
        self.assertAlmostEqual(self._watch(55, 60), 0.9)
        progress.refresh_from_db()
        self.assertIsNotNone(progress.completed_at)
        self.assertEqual(
            progress.video_state[self.video_lesson.body[0].id]["position"], 60
        )

    def test_bad_video_reports_are_refused(self):
        block_id = self.video_lesson.body[0].id
        for start, end, duration in [
            (10, 5, 100),
            (0, 500, 100),
            (0, 5, 0),
            ("x", 5, 100),
        ]:
            with self.assertRaises(ValidationError):
                services.video_progress_record(
                    user=self.officer,
                    lesson=self.video_lesson,
                    block_id=block_id,
                    start=start,
                    end=end,
                    duration=duration,
                )
        with self.assertRaises(ValidationError):
            services.video_progress_record(
                user=self.officer,
                lesson=self.video_lesson,
                block_id="nope",
                start=0,
                end=5,
                duration=100,
            )

    def test_practice_lesson_needs_every_question_right(self):
        single, multiple = [b.id for b in self.practice_lesson.body]
        feedback = services.practice_answer(
            user=self.officer, lesson=self.practice_lesson, block_id=single, choices=[0]
        )
        self.assertFalse(feedback.correct)
        self.assertEqual(feedback.correct_choices, [])  # the analysis, not the key
        LessonProgress.objects.filter(user=self.officer).update(seconds_spent=600)
        services.practice_answer(
            user=self.officer, lesson=self.practice_lesson, block_id=single, choices=[1]
        )
        partial = services.practice_answer(
            user=self.officer,
            lesson=self.practice_lesson,
            block_id=multiple,
            choices=[0],
        )
        self.assertFalse(partial.correct)
        self.assertFalse(partial.lesson_completed)
        LessonProgress.objects.filter(user=self.officer).update(seconds_spent=1200)
        done = services.practice_answer(
            user=self.officer,
            lesson=self.practice_lesson,
            block_id=multiple,
            choices=[2, 0],
        )
        self.assertTrue(done.all_passed)
        self.assertTrue(done.lesson_completed)
        self.assertEqual(
            LearningEvent.objects.filter(actor=self.officer, verb="passed").count(), 1
        )

    def test_course_completes_once_and_credits_its_hours_once(self):
        services.course_assignments_sync(course=self.course)
        services.lesson_open(user=self.officer, lesson=self.text_lesson)
        for b in self.practice_lesson.body:
            correct = [i for i, c in enumerate(b.value["choices"]) if c["correct"]]
            services.practice_answer(
                user=self.officer,
                lesson=self.practice_lesson,
                block_id=b.id,
                choices=correct,
            )
        self.assertFalse(CreditEntry.objects.filter(user=self.officer).exists())
        position = 0.0
        while position < 100:
            self._watch(position, position + 5)
            position += 5
        assignment = Assignment.objects.get(
            user=self.officer, item__item_id=str(self.course.pk)
        )
        self.assertEqual(assignment.status, AssignmentStatus.COMPLETED)
        entry = CreditEntry.objects.get(user=self.officer)
        self.assertEqual(entry.hours, Decimal("3.00"))
        # Studying again (another device, a retry) neither completes nor credits again.
        self.assertFalse(
            services.course_complete(user=self.officer, course=self.course)
        )
        services.lesson_open(user=self.officer, lesson=self.text_lesson)
        self.assertEqual(CreditEntry.objects.filter(user=self.officer).count(), 1)
        self.assertEqual(
            LearningEvent.objects.filter(
                actor=self.officer, verb="completed", object_type="course"
            ).count(),
            1,
        )
        self.assertEqual(
            my_learning(user=self.officer).hours_this_year, Decimal("3.00")
        )

    def test_unpublished_lessons_do_not_count(self):
        factories.lesson(self.course, title="草稿", live=False)
        services.lesson_open(user=self.officer, lesson=self.text_lesson)
        share = services.course_progress_update(user=self.officer, course=self.course)
        self.assertAlmostEqual(share, 1 / 3)


class YearlyCapTests(CourseTestCase):
    def _complete(self, title, hours):
        course = factories.course(
            self.index, title=title, hours=hours, category="law", required=False
        )
        lesson = factories.lesson(course)
        services.lesson_open(user=self.officer, lesson=lesson)
        return CreditEntry.objects.get(user=self.officer, source_id=str(course.pk))

    @override_settings(COURSES_YEARLY_CAP_BY_CATEGORY={"law": 5})
    def test_hours_beyond_the_category_cap_are_not_credited(self):
        self.assertEqual(self._complete("甲", "3").hours, Decimal("3"))
        capped = self._complete("乙", "4")
        self.assertEqual(capped.hours, Decimal("2"))
        self.assertEqual(capped.requested_hours, Decimal("4"))
        self.assertEqual(self._complete("丙", "1").hours, Decimal("0"))

    def test_without_a_cap_everything_is_credited(self):
        self.assertEqual(
            self._complete("甲", "3").hours + self._complete("乙", "4").hours,
            Decimal("7"),
        )


class PrerequisiteTests(CourseTestCase):
    def test_enrolment_is_refused_until_prerequisites_are_complete(self):
        basic = factories.course(self.index, title="基础", required=False)
        basic_lesson = factories.lesson(basic)
        advanced = factories.course(self.index, title="进阶", required=False)
        advanced.prerequisites.add(basic)
        advanced.save_revision().publish()
        with self.assertRaises(ValidationError):
            services.course_enrol(user=self.officer, course=advanced)
        services.lesson_open(user=self.officer, lesson=basic_lesson)
        assignment = services.course_enrol(user=self.officer, course=advanced)
        self.assertEqual(assignment.source, "self")
        self.assertFalse(assignment.required)


class PreMeetingTests(CourseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.leader2 = UserFactory(
            username="leader2", unit=cls.branch_a, roles=[Role.LEADER]
        )
        cls.sessions = []
        for month in (1, 2, 3):
            session = PreMeetingStudySession.objects.create(
                unit=cls.branch_a,
                meeting=f"局党委会第{month}次",
                held_on=date(2026, month, 10),
                topic="行政处罚法修订要点",
                statutes="《中华人民共和国行政处罚法》第三十三条",
            )
            for leader in (cls.leader, cls.leader2):
                PreMeetingAttendance.objects.create(session=session, user=leader)
            cls.sessions.append(session)
        old = PreMeetingStudySession.objects.create(
            unit=cls.branch_a, meeting="旧会", held_on=date(2025, 12, 1), topic="旧"
        )
        PreMeetingAttendance.objects.create(session=old, user=cls.leader)
        cls.old = old

    def test_counts_confirmed_attendance_per_year(self):
        for session in self.sessions:
            services.pre_meeting_attendance_confirm(
                session=session, user=self.leader, actor=self.unit_admin_a
            )
        services.pre_meeting_attendance_confirm(
            session=self.old, user=self.leader, actor=self.unit_admin_a
        )
        services.pre_meeting_attendance_confirm(
            session=self.sessions[0], user=self.leader2, actor=self.unit_admin_a
        )
        services.pre_meeting_absence_record(
            session=self.sessions[1],
            user=self.leader2,
            reason="外出办案",
            actor=self.unit_admin_a,
        )
        counts = pre_meeting_study_counts(
            [self.leader, self.leader2, self.officer], 2026
        )
        self.assertEqual(
            counts, {self.leader.pk: 3, self.leader2.pk: 1, self.officer.pk: 0}
        )
        self.assertEqual(
            pre_meeting_study_counts([self.leader], 2025), {self.leader.pk: 1}
        )

    def test_confirmation_is_written_to_the_ledger_once(self):
        services.pre_meeting_attendance_confirm(
            session=self.sessions[0], user=self.leader, actor=self.unit_admin_a
        )
        services.pre_meeting_attendance_confirm(
            session=self.sessions[0], user=self.leader, actor=self.unit_admin_a
        )
        events = LearningEvent.objects.filter(
            actor=self.leader, verb="attended", object_type="pre_meeting_study"
        )
        self.assertEqual(events.count(), 1)
        self.assertEqual(events.get().timestamp.year, 2026)

    def test_only_invited_leaders_confirm(self):
        with self.assertRaises(PermissionDenied):
            services.pre_meeting_attendance_confirm(
                session=self.sessions[0], user=self.officer, actor=self.unit_admin_a
            )

    def test_absence_needs_a_reason_and_an_organiser_in_scope(self):
        with self.assertRaises(ValidationError):
            services.pre_meeting_absence_record(
                session=self.sessions[0],
                user=self.leader2,
                reason=" ",
                actor=self.unit_admin_a,
            )
        with self.assertRaises(PermissionDenied):
            services.pre_meeting_absence_record(
                session=self.sessions[0],
                user=self.leader2,
                reason="病假",
                actor=self.unit_admin_b,
            )
        attendance = services.pre_meeting_absence_record(
            session=self.sessions[0],
            user=self.leader2,
            reason="病假",
            actor=self.leader2,
        )
        self.assertEqual(attendance.status, AttendanceStatus.ABSENT)

    @override_settings(COURSES_PRE_MEETING_STUDY_REQUIRED=2)
    def test_page_shows_count_against_requirement(self):
        services.pre_meeting_attendance_confirm(
            session=self.sessions[0], user=self.leader, actor=self.unit_admin_a
        )
        self.login(self.leader)
        response = self.client.get("/learn/pre-meeting/?year=2026")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["my_count"], 1)
        self.assertEqual(response.context["required"], 2)


class FinalExamTests(CourseTestCase):
    def test_course_with_a_final_exam_completes_when_the_exam_is_passed(self):
        from datetime import timedelta

        from django.utils import timezone

        from exams.models import Blueprint, ExamGrade, ExamSession

        blueprint = Blueprint.objects.create(name="结业考试")
        exam = ExamSession.objects.create(
            title="受案立案结业考试",
            blueprint=blueprint,
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=7),
        )
        course = factories.course(
            self.index, title="带考试的课程", required=False, final_exam=exam
        )
        lesson = factories.lesson(course)
        services.lesson_open(user=self.officer, lesson=lesson)
        self.assertFalse(CreditEntry.objects.filter(user=self.officer).exists())
        with self.captureOnCommitCallbacks(execute=True):
            ExamGrade.objects.create(
                session=exam, user=self.officer, percent=50, passed=False
            )
        self.assertFalse(CreditEntry.objects.filter(user=self.officer).exists())
        with self.captureOnCommitCallbacks(execute=True):
            ExamGrade.objects.filter(session=exam, user=self.officer).delete()
            ExamGrade.objects.create(
                session=exam, user=self.officer, percent=85, passed=True
            )
        self.assertEqual(
            CreditEntry.objects.get(user=self.officer).source_id, str(course.pk)
        )


class CourseValidationTests(CourseTestCase):
    def test_only_required_courses_repeat_yearly(self):
        from courses.models import CoursePage

        course = CoursePage(
            title="选修", slug="x", summary="-", required=False, yearly=True
        )
        with self.assertRaises(ValidationError):
            course.clean()
