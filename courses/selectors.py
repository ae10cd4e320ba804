"""Reads: a learner's courses and progress, the catalogue, lesson state for resuming,
and 会前学法 counts for the records reports."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import can_see_unit
from records.models import Assignment, AssignmentStatus, CreditEntry

from .models import (
    AttendanceStatus,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LessonProgress,
    PreMeetingAttendance,
    PreMeetingStudySession,
)
from .services import (
    ITEM_TYPE,
    lesson_min_engaged_seconds,
    video_completion_ratio,
    video_watched_ratio,
)


def yearly_hours_target() -> Decimal:
    return Decimal(str(getattr(settings, "COURSES_YEARLY_HOURS_TARGET", 40)))


def pre_meeting_required() -> int:
    return int(getattr(settings, "COURSES_PRE_MEETING_STUDY_REQUIRED", 10))


def _course_assignments(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        user=user, item__item_type=ITEM_TYPE, item__is_active=True
    ).select_related("item")


def completed_course_ids(*, user: User) -> set[int]:
    """Return the ids of the courses ``user`` has completed (in any period)."""
    ids = (
        _course_assignments(user)
        .filter(status=AssignmentStatus.COMPLETED)
        .values_list("item__item_id", flat=True)
    )
    return {int(i) for i in ids}


def prerequisites_missing(*, user: User, course: CoursePage) -> list[CoursePage]:
    """Return the live prerequisite courses ``user`` has not completed yet."""
    ids = [p.pk for p in course.prerequisites.all()]
    prerequisites = list(CoursePage.objects.live().filter(pk__in=ids)) if ids else []
    if not prerequisites:
        return []
    done = completed_course_ids(user=user)
    return [c for c in prerequisites if c.pk not in done]


@dataclass
class LearningRow:
    course: CoursePage
    assignment: Assignment
    overdue: bool = False
    resume_url: str = ""


@dataclass
class MyLearning:
    required: list[LearningRow] = field(default_factory=list)
    in_progress: list[LearningRow] = field(default_factory=list)
    completed: list[LearningRow] = field(default_factory=list)
    hours_this_year: Decimal = Decimal(0)
    hours_target: Decimal = Decimal(0)
    hours_by_category: list[dict[str, Any]] = field(default_factory=list)

    @property
    def hours_percent(self) -> int:
        if not self.hours_target:
            return 100
        return min(100, int(self.hours_this_year * 100 / self.hours_target))


def my_learning(*, user: User, now: datetime | None = None) -> MyLearning:
    """Return ``user``'s learning: required courses not done (overdue first, then by due
    date), courses in progress, completed courses, and this year's hours vs target."""
    now = now or timezone.now()
    assignments = list(_course_assignments(user))
    pages = CoursePage.objects.live().in_bulk(
        [int(a.item.item_id) for a in assignments]
    )
    result = MyLearning(hours_target=yearly_hours_target())
    for assignment in assignments:
        course = pages.get(int(assignment.item.item_id))
        if course is None:
            continue
        row = LearningRow(course=course, assignment=assignment)
        if assignment.status == AssignmentStatus.COMPLETED:
            result.completed.append(row)
        elif assignment.status == AssignmentStatus.WAIVED:
            continue
        elif assignment.required:
            row.overdue = bool(assignment.due_at and assignment.due_at < now)
            result.required.append(row)
            if assignment.progress > 0:
                # Started: it is also "in progress", where the learner resumes it.
                result.in_progress.append(row)
        else:
            result.in_progress.append(row)
    far = timezone.make_aware(datetime(9999, 1, 1))
    result.required.sort(
        key=lambda r: (not r.overdue, r.assignment.due_at or far, r.course.title)
    )
    result.in_progress.sort(key=lambda r: -r.assignment.progress)
    result.completed.sort(key=lambda r: r.assignment.completed_at or now, reverse=True)
    year = timezone.localtime(now).year
    entries = CreditEntry.objects.filter(user=user, year=year)
    result.hours_this_year = entries.aggregate(total=Sum("hours"))["total"] or Decimal(
        0
    )
    from records.models import CreditCategory

    labels = dict(CreditCategory.choices)
    result.hours_by_category = [
        {
            "category": row["category"],
            "label": labels.get(row["category"], row["category"]),
            "hours": row["total"],
        }
        for row in entries.values("category")
        .annotate(total=Sum("hours"))
        .order_by("-total")
    ]
    return result


def course_catalogue(
    *,
    user: User,
    query: str = "",
    category: str = "",
    kind: str = "",
    section: int | None = None,
) -> QuerySet[CoursePage]:
    """Return the live courses matching the filters: ``query`` in title or summary,
    ``category``, ``kind`` ("required" or "elective") and ``section`` (a CourseIndexPage id)."""
    courses = CoursePage.objects.live().order_by("-first_published_at")
    if query:
        courses = courses.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(lecturers__name__icontains=query)
        ).distinct()
    if category:
        courses = courses.filter(category=category)
    if kind == "required":
        courses = courses.filter(required=True)
    elif kind == "elective":
        courses = courses.filter(required=False)
    if section:
        index = CourseIndexPage.objects.filter(pk=section).first()
        courses = courses.descendant_of(index) if index is not None else courses.none()
    return courses


def course_statuses(
    *, user: User, courses: Iterable[CoursePage]
) -> dict[int, Assignment]:
    """Return ``user``'s assignment per course id (current period) for the courses."""
    ids = [str(c.pk) for c in courses]
    found: dict[int, Assignment] = {}
    for assignment in (
        _course_assignments(user).filter(item__item_id__in=ids).order_by("period")
    ):
        found[int(assignment.item.item_id)] = assignment
    return found


def lesson_states(*, user: User, course: CoursePage) -> list[dict[str, Any]]:
    lessons = list(course.lessons())
    progress = {
        p.lesson_id: p for p in LessonProgress.objects.filter(user=user, course=course)
    }
    rows = []
    for lesson in lessons:
        p = progress.get(lesson.pk)
        rows.append(
            {
                "lesson": lesson,
                "progress": p,
                "completed": bool(p and p.completed_at),
                "started": p is not None,
            }
        )
    return rows


def course_outline(*, user: User, course: CoursePage) -> dict[str, Any]:
    """Return what the course page shows: lessons with their state, the learner's
    assignment, the lesson to resume and any missing prerequisites."""
    rows = lesson_states(user=user, course=course)
    assignment = (
        _course_assignments(user)
        .filter(item__item_id=str(course.pk), period=course.period_for())
        .first()
    )
    started = [r for r in rows if r["started"] and not r["completed"]]
    resume = (
        max(started, key=lambda r: r["progress"].updated_at)["lesson"]
        if started
        else None
    )
    if resume is None:
        resume = next((r["lesson"] for r in rows if not r["completed"]), None)
    done = sum(1 for r in rows if r["completed"])
    return {
        "lesson_rows": rows,
        "assignment": assignment,
        "resume_lesson": resume,
        "lessons_done": done,
        "lessons_total": len(rows),
        "missing_prerequisites": prerequisites_missing(user=user, course=course),
        "lecturer_list": list(course.lecturers.all()),
    }


def lesson_context(*, user: User, lesson: LessonPage) -> dict[str, Any]:
    """Return the learner's state in ``lesson`` for the page: where each video stopped
    and how much of it was watched, which practice questions they have answered right
    (never the key), and the neighbouring lessons."""
    course = lesson.course()
    progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    video_state = progress.video_state if progress else {}
    practice_state = progress.practice_state if progress else {}
    videos = {
        block.id: {
            "position": video_state.get(block.id, {}).get("position", 0),
            "ratio": video_watched_ratio(video_state.get(block.id, {})),
        }
        for block in lesson.blocks_of("video")
    }
    outline = lesson_states(user=user, course=course)
    siblings = [row["lesson"] for row in outline]
    index = next((i for i, s in enumerate(siblings) if s.pk == lesson.pk), 0)
    return {
        "course": course,
        "outline": outline,
        "outline_done": sum(1 for row in outline if row["completed"]),
        "lesson_progress": progress,
        "video_positions": videos,
        "practice_passed": [
            bid for bid, s in practice_state.items() if s.get("correct")
        ],
        "previous_lesson": siblings[index - 1] if index > 0 else None,
        "next_lesson": siblings[index + 1] if index + 1 < len(siblings) else None,
        "completion_rule": lesson.completion_rule(),
        "video_threshold": int(video_completion_ratio() * 100),
        "lesson_position": index + 1,
        "lesson_total": len(siblings),
        "min_engaged_minutes": math.ceil(lesson_min_engaged_seconds(lesson) / 60),
        "engaged_minutes": (progress.seconds_spent // 60) if progress else 0,
    }


# 会前学法 ------------------------------------------------------------------------------


def pre_meeting_study_counts(users: Iterable[Any], year: int) -> dict[int, int]:
    """Return {user id: number of 会前学法 sessions attended (confirmed) in ``year``}
    for ``users`` (people or ids). Everyone asked about is in the answer, with 0 when
    they attended none."""
    ids = [getattr(u, "pk", u) for u in users]
    counts = dict.fromkeys(ids, 0)
    rows = (
        PreMeetingAttendance.objects.filter(
            user_id__in=ids,
            status=AttendanceStatus.ATTENDED,
            session__held_on__year=year,
        )
        .values("user_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["user_id"]] = row["n"]
    return counts


def pre_meeting_absence_counts(user_ids: list[int], year: int) -> dict[int, int]:
    """{leader id: sessions of ``year`` they missed with a reason} (for the unit report)."""
    rows = (
        PreMeetingAttendance.objects.filter(
            user_id__in=user_ids,
            status=AttendanceStatus.ABSENT,
            session__held_on__year=year,
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["user_id"]: row["n"] for row in rows}


def pre_meeting_can_organise(*, user: User, session: PreMeetingStudySession) -> bool:
    """Return True when ``user`` may record attendance: a unit admin, legal officer or
    leader whose scope covers the session's unit, or the system admin."""
    if not user.is_authenticated:
        return False
    if (
        user.has_role(Role.LEGAL_OFFICER)
        and user.unit is not None
        and session.unit.is_within(user.unit)
    ):
        return True
    return can_see_unit(user, session.unit)


def pre_meeting_sessions_for(
    *, user: User, year: int
) -> QuerySet[PreMeetingStudySession]:
    """Return the sessions ``user`` is invited to in ``year``, newest first."""
    return (
        PreMeetingStudySession.objects.filter(
            attendances__user=user, held_on__year=year
        )
        .select_related("unit", "presenter")
        .order_by("-held_on")
        .distinct()
    )


def pre_meeting_sessions_organised_by(
    *, user: User, year: int
) -> list[PreMeetingStudySession]:
    """Return the sessions of ``year`` whose attendance ``user`` may record."""
    sessions = (
        PreMeetingStudySession.objects.filter(held_on__year=year)
        .select_related("unit", "presenter")
        .prefetch_related("attendances__user")
        .order_by("-held_on")
    )
    return [s for s in sessions if pre_meeting_can_organise(user=user, session=s)]


def lessons_citing(article_ids: set[int]):
    """Citation source for casebank: the lessons whose body cites any of ``article_ids``
    (drafts' latest revisions are not scanned; the live body is what learners read)."""
    from casebank.citations import Citation

    for lesson in LessonPage.objects.all().only(
        "id", "title", "body", "path", "url_path", "depth"
    ):
        for block in lesson.body.raw_data:
            if block.get("type") == "article":
                article_id = (block.get("value") or {}).get("article")
                if article_id in article_ids:
                    yield Citation(obj=lesson, article_id=article_id)
