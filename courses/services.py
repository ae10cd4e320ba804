"""Writes: audiences and assignments, lesson progress, completion and credit hours,
会前学法 attendance, and the review workflow for course sections.

Everything a report needs goes to ``records`` through its services (events, credit,
assignments); the progress rows here only decide when a lesson is complete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from audit.services import audit_log
from records.models import Assignment, TrackedItem, Verb
from records.selectors import item_rule_due, rule_conditions, rules_matching_user
from records.services import (
    assignment_complete,
    assignment_get_or_create,
    assignment_progress,
    assignment_sync,
    assignment_sync_person,
    credit_hours,
    learning_event_record,
    tracked_item_upsert,
)

from .blocks import correct_indexes
from .models import (
    AttendanceMethod,
    AttendanceStatus,
    CoursePage,
    LessonPage,
    LessonProgress,
    PreMeetingAttendance,
    PreMeetingStudySession,
)

ITEM_TYPE = "course"
VIDEO_BUCKET_SECONDS = 5
# One progress report covers at most this much playback, so a single request cannot
# claim a whole video; the player reports every few seconds while playing.
VIDEO_MAX_SEGMENT_SECONDS = 30
HEARTBEAT_MAX_SECONDS = 60
VIDEO_MILESTONES = (0.25, 0.5, 0.75, 0.9, 1.0)

UNKNOWN_BLOCK = gettext_noop("This lesson has no such item.")
BAD_VIDEO_REPORT = gettext_noop("The video position is not valid.")
NO_CHOICE = gettext_noop("Choose at least one answer.")
PREREQUISITES_MISSING = gettext_noop(
    "Complete the prerequisite courses first: {names}."
)
NOT_INVITED = gettext_noop("You are not on the list of this session.")
NOT_ORGANISER = gettext_noop("You may not record attendance for this session.")
ABSENCE_REASON_REQUIRED = gettext_noop("Give the reason for the absence.")
PRACTICE_LOCKED = gettext_noop(
    "Study the lesson again before you retry this question "
    "(about {minutes} more minutes on this page)."
)
WRONG_SIGNIN_CODE = gettext_noop(
    "The sign-in code is wrong or the meeting is not today: ask the organiser."
)
NOT_SESSION_ORGANISER = gettext_noop(
    "Only leaders and unit admins of the unit (or its parent units) organise its sessions."
)
PARTICIPANT_OUTSIDE_UNIT = gettext_noop(
    "{name} is not a leader of this unit or its sub-units."
)
NO_PARTICIPANTS = gettext_noop("Choose at least one participant.")


def video_completion_ratio() -> float:
    return float(getattr(settings, "COURSES_VIDEO_COMPLETION_RATIO", 0.9))


def lesson_min_engaged_seconds(lesson: LessonPage) -> int:
    """Return the engaged time a lesson needs, in seconds: its own minimum, or
    COURSES_MIN_ENGAGED_SHARE (0.5) of its estimated time when none is set."""
    if lesson.min_engaged_minutes is not None:
        return int(lesson.min_engaged_minutes) * 60
    share = float(getattr(settings, "COURSES_MIN_ENGAGED_SHARE", 0.5))
    return int(round(lesson.estimated_minutes * 60 * share))


def practice_retry_seconds() -> int:
    """Engaged time a learner must spend on the lesson after a wrong practice answer
    before the question may be answered again (COURSES_PRACTICE_RETRY_SECONDS, 120)."""
    return int(getattr(settings, "COURSES_PRACTICE_RETRY_SECONDS", 120))


def yearly_cap_for(category: str) -> Decimal | None:
    """Return the yearly cap of credit hours for ``category`` (None: no cap)."""
    caps = getattr(settings, "COURSES_YEARLY_CAP_BY_CATEGORY", {}) or {}
    cap = caps.get(category)
    return Decimal(str(cap)) if cap is not None else None


# Audience and assignments ---------------------------------------------------------


def course_audience(*, course: CoursePage) -> QuerySet[User]:
    """Return the active people in the course's audience: the union of its own audience
    rules (set in the page editor) and the assignment rules of its tracked item
    (``records.AssignmentRule``: post, 警种, named people...)."""
    item = TrackedItem.objects.filter(
        item_type=ITEM_TYPE, item_id=str(course.pk)
    ).first()
    assigned = rule_conditions(item.rules.select_related("unit")) if item else None
    conditions = [assigned] if assigned is not None else []
    for rule in course.audience_rules.select_related("unit"):
        condition = Q()
        if rule.role:
            condition &= Q(role_assignments__role=rule.role)
        if rule.unit is not None:
            condition &= (
                Q(unit__path__startswith=rule.unit.path)
                if rule.include_subunits
                else Q(unit=rule.unit)
            )
        conditions.append(condition)
    if not conditions:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True).filter(reduce(or_, conditions)).distinct()
    )


def course_tracked_item(*, course: CoursePage) -> TrackedItem:
    """Upsert and return the records item that stands for ``course``."""
    return tracked_item_upsert(
        item_type=ITEM_TYPE,
        item_id=course.pk,
        title=course.title,
        category=course.category,
        hours=course.credit_hours,
        url=course.url or "",
        is_active=course.live,
    )


def course_assignments_sync(*, course: CoursePage) -> tuple[int, int]:
    """Make the course's current audience exactly its required assignees.

    A live required course is assigned to its audience (for this year when it repeats
    yearly), and so is an elective that assignment rules give to some people (due when
    the course says, else when the earliest rule says); an unpublished course, or an
    elective without rules, releases its audience. Progress and completions are never
    lost (``records.services.assignment_sync``). Return (added, released).
    """
    course = CoursePage.objects.get(pk=course.pk)
    item = course_tracked_item(course=course)
    period = course.period_for()
    if course.live and (course.required or item.rules.exists()):
        users = course_audience(course=course).only("pk")
        due_at = course.due_for(period) or item_rule_due(item)
        return assignment_sync(item=item, users=users, due_at=due_at, period=period)
    return assignment_sync(item=item, users=[], period=period)


@transaction.atomic
def user_assignments_recompute(*, user: User) -> int:
    """Recompute one person's required courses after they joined, moved unit or changed
    role, post or 警种 (the editor's audience rules and records' assignment rules).
    Assignments they leave are marked not required; progress stays. Return the
    number of required courses they now have."""
    user = User.objects.select_related("unit").get(pk=user.pk)
    user.forget_roles()
    by_rule = rules_matching_user(user, ITEM_TYPE)
    ruled = TrackedItem.objects.filter(
        item_type=ITEM_TYPE, rules__isnull=False
    ).values_list("item_id", flat=True)
    courses = list(
        CoursePage.objects.live()
        .filter(Q(required=True) | Q(pk__in=[int(i) for i in set(ruled)]))
        .prefetch_related("audience_rules__unit")
    )
    items = {
        item.item_id: item
        for item in TrackedItem.objects.filter(
            item_type=ITEM_TYPE, item_id__in=[str(c.pk) for c in courses]
        )
    }
    mine = {
        (a.item_id, a.period): a
        for a in Assignment.objects.filter(user=user, item__in=list(items.values()))
    }
    required = 0
    for course in courses:
        period = course.period_for()
        item = items.get(str(course.pk))
        in_audience = user.is_active and (
            any(rule.matches(user) for rule in course.audience_rules.all())
            or (item is not None and item.pk in by_rule)
        )
        if item is None:
            if not in_audience:
                continue
            item = course_tracked_item(course=course)
        assignment = mine.get((item.pk, period))
        if in_audience:
            required += 1
            due_at = course.due_for(period)
            if due_at is None and item is not None and item.pk in by_rule:
                dates = [r.due_at for r in by_rule[item.pk] if r.due_at]
                due_at = min(dates, default=None)
            if assignment is None:
                assignment_get_or_create(
                    user=user,
                    item=item,
                    period=period,
                    source="audience",
                    required=True,
                    due_at=due_at,
                )
            elif not assignment.required or (
                assignment.due_at != due_at and assignment.extended_until is None
            ):
                assignment_sync_person(
                    user=user, item=item, due_at=due_at, period=period
                )
        elif (
            assignment is not None
            and assignment.source == "audience"
            and assignment.required
        ):
            Assignment.objects.filter(pk=assignment.pk).update(required=False)
    return required


def course_enrol(*, user: User, course: CoursePage) -> Assignment:
    """Enrol ``user`` in ``course`` (self-enrolment for electives) and return the
    assignment. A required assignment stays required. Raise ValidationError when a
    prerequisite is missing."""
    from .selectors import prerequisites_missing

    missing = prerequisites_missing(user=user, course=course)
    if missing:
        raise ValidationError(
            gettext(PREREQUISITES_MISSING).format(
                names="、".join(c.title for c in missing)
            )
        )
    period = course.period_for()
    item = course_tracked_item(course=course)
    assignment = assignment_get_or_create(
        user=user, item=item, period=period, source="self"
    )
    learning_event_record(
        actor=user,
        verb=Verb.REGISTERED,
        object_type=ITEM_TYPE,
        object_id=course.pk,
        object_name=course.title,
        idempotency_key=f"course-registered:{course.pk}:{period}:{user.pk}",
    )
    return assignment


# Progress ---------------------------------------------------------------------------


def _progress(user: User, lesson: LessonPage, *, lock: bool = False) -> LessonProgress:
    parent_id = lesson.get_parent().pk
    progress, _ = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"course_id": parent_id}
    )
    if lock:
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
    return progress


def _block(lesson: LessonPage, block_id: str, block_type: str):
    for block in lesson.body:
        if block.id == block_id and block.block_type == block_type:
            return block
    raise ValidationError(UNKNOWN_BLOCK)


@transaction.atomic
def lesson_open(*, user: User, lesson: LessonPage) -> LessonProgress:
    """Record that ``user`` opened ``lesson`` (enrolling them in its course if needed)
    and complete it at once when it has nothing to watch or answer."""
    course = lesson.course()
    period = course.period_for()
    item = course_tracked_item(course=course)
    assignment_get_or_create(user=user, item=item, period=period, source="self")
    progress = _progress(user, lesson, lock=True)
    learning_event_record(
        actor=user,
        verb=Verb.LAUNCHED,
        object_type="lesson",
        object_id=lesson.pk,
        object_name=lesson.title,
        idempotency_key=f"lesson-launched:{lesson.pk}:{user.pk}:{timezone.localdate().isoformat()}",
    )
    progress.beat_at = timezone.now()
    progress.save(update_fields=["beat_at", "updated_at"])
    lesson_evaluate(progress=progress, lesson=lesson)
    return progress


@transaction.atomic
def lesson_heartbeat(*, user: User, lesson: LessonPage, seconds: int) -> LessonProgress:
    """Add engaged time measured by the server's clock.

    A heartbeat counts the wall-clock time since the latest counted moment of any of
    the person's lessons (page opened or heartbeat), at most HEARTBEAT_MAX_SECONDS, and
    never more than the client reports (a hidden tab reports less). Replayed heartbeats,
    a tab left open for hours and several lessons open at once therefore add up to no
    more than the time that really passed.
    """
    # Lock the person's row first: concurrent heartbeats of one person are serialised.
    User.objects.select_for_update().filter(pk=user.pk).first()
    progress = _progress(user, lesson, lock=True)
    now = timezone.now()
    latest = LessonProgress.objects.filter(user=user, beat_at__isnull=False).aggregate(
        latest=Max("beat_at")
    )["latest"]
    try:
        declared = int(seconds)
    except (TypeError, ValueError):
        declared = 0
    if latest is None:
        added = 0
    else:
        elapsed = int((now - latest).total_seconds())
        added = max(0, min(elapsed, declared, HEARTBEAT_MAX_SECONDS))
    progress.seconds_spent += added
    progress.beat_at = now
    progress.save(update_fields=["seconds_spent", "beat_at", "updated_at"])
    if added:
        lesson_evaluate(progress=progress, lesson=lesson)
    return progress


def video_watched_ratio(state: dict[str, Any]) -> float:
    duration = float(state.get("duration") or 0)
    if duration <= 0:
        return 0.0
    total = math.ceil(duration / VIDEO_BUCKET_SECONDS)
    return min(1.0, len(set(state.get("buckets", []))) / total)


@transaction.atomic
def video_progress_record(
    *,
    user: User,
    lesson: LessonPage,
    block_id: str,
    start: Any,
    end: Any,
    duration: Any,
) -> float:
    """Record that the player played ``start``..``end`` seconds of a lesson video and
    return the share of the video watched so far (0..1). The end position is kept so
    the learner resumes there on any device. The three positions are the player's raw
    JSON values: anything but numbers in order raises ``ValidationError``."""
    _block(lesson, block_id, "video")
    try:
        start, end, duration = float(start), float(end), float(duration)
    except (TypeError, ValueError) as e:
        raise ValidationError(BAD_VIDEO_REPORT) from e
    if not (
        duration > 0 and 0 <= start <= end <= duration + 1 and math.isfinite(duration)
    ):
        raise ValidationError(BAD_VIDEO_REPORT)
    start = max(start, end - VIDEO_MAX_SEGMENT_SECONDS)
    progress = _progress(user, lesson, lock=True)
    state = dict(progress.video_state.get(block_id, {}))
    before = video_watched_ratio(state)
    buckets = set(state.get("buckets", []))
    last_bucket = max(0, math.ceil(duration / VIDEO_BUCKET_SECONDS) - 1)
    # The stretches the played span touches; a span ending right on a boundary does
    # not claim the next stretch.
    first = int(start // VIDEO_BUCKET_SECONDS)
    last = min(math.ceil(end / VIDEO_BUCKET_SECONDS) - 1, last_bucket)
    if end > start:
        buckets.update(range(first, last + 1))
    state.update({"duration": duration, "position": end, "buckets": sorted(buckets)})
    progress.video_state = {**progress.video_state, block_id: state}
    progress.save(update_fields=["video_state", "updated_at"])
    ratio = video_watched_ratio(state)
    for milestone in VIDEO_MILESTONES:
        if before < milestone <= ratio:
            learning_event_record(
                actor=user,
                verb=Verb.PROGRESSED,
                object_type="video",
                object_id=f"{lesson.pk}:{block_id}",
                object_name=lesson.title,
                result={"progress": milestone},
                idempotency_key=f"video-progress:{lesson.pk}:{block_id}:{user.pk}:{milestone}",
            )
    lesson_evaluate(progress=progress, lesson=lesson)
    return ratio


@dataclass(frozen=True)
class PracticeFeedback:
    correct: bool
    correct_choices: list[int]
    explanation: str
    all_passed: bool
    lesson_completed: bool


@transaction.atomic
def practice_answer(
    *, user: User, lesson: LessonPage, block_id: str, choices: list[int]
) -> PracticeFeedback:
    """Check an answer on the server and return immediate feedback.

    The key goes to the browser only in this answer's feedback, after the learner
    has answered.
    """
    block = _block(lesson, block_id, "practice")
    try:
        chosen = {int(c) for c in choices}
    except (TypeError, ValueError) as e:
        raise ValidationError(NO_CHOICE) from e
    if not chosen:
        raise ValidationError(NO_CHOICE)
    key = correct_indexes(block.value)
    correct = chosen == key
    progress = _progress(user, lesson, lock=True)
    state = dict(progress.practice_state.get(block_id, {}))
    locked_until = int(state.get("locked_until", 0))
    if not state.get("correct") and progress.seconds_spent < locked_until:
        minutes = math.ceil((locked_until - progress.seconds_spent) / 60)
        raise ValidationError(gettext(PRACTICE_LOCKED).format(minutes=minutes))
    state["attempts"] = int(state.get("attempts", 0)) + 1
    state["correct"] = bool(state.get("correct")) or correct
    if not state["correct"]:
        # The key is not shown; the question stays locked until the learner has spent
        # more engaged time on the lesson, so the options cannot simply be tried in turn.
        state["locked_until"] = progress.seconds_spent + practice_retry_seconds()
    progress.practice_state = {**progress.practice_state, block_id: state}
    progress.save(update_fields=["practice_state", "updated_at"])
    learning_event_record(
        actor=user,
        verb=Verb.ANSWERED,
        object_type="practice_question",
        object_id=f"{lesson.pk}:{block_id}",
        object_name=str(block.value["stem"])[:100],
        result={"success": correct, "response": sorted(chosen)},
    )
    practice_ids = [b.id for b in lesson.blocks_of("practice")]
    all_passed = all(
        progress.practice_state.get(pid, {}).get("correct") for pid in practice_ids
    )
    if all_passed:
        learning_event_record(
            actor=user,
            verb=Verb.PASSED,
            object_type="lesson_practice",
            object_id=lesson.pk,
            object_name=lesson.title,
            idempotency_key=f"practice-passed:{lesson.pk}:{user.pk}",
        )
    completed = lesson_evaluate(progress=progress, lesson=lesson)
    return PracticeFeedback(
        correct=correct,
        # The right option only once the learner found it: after a wrong try the
        # analysis is shown, never the key.
        correct_choices=sorted(key) if correct else [],
        explanation=block.value["explanation"] or "",
        all_passed=all_passed,
        lesson_completed=completed,
    )


def lesson_rule_met(*, progress: LessonProgress, lesson: LessonPage) -> bool:
    """Return True when the lesson's completion rule holds: the minimum engaged time
    (server-measured), every video watched to COURSES_VIDEO_COMPLETION_RATIO (90 %),
    every practice question answered right."""
    return lesson_rule_evidence(progress=progress, lesson=lesson)["met"]


def lesson_rule_evidence(
    *, progress: LessonProgress | None, lesson: LessonPage
) -> dict[str, Any]:
    """Return each rule of the lesson and where the learner stands: engaged seconds
    against the minimum, the share of each video, practice questions right / total,
    and ``met`` when every rule holds."""
    seconds = progress.seconds_spent if progress else 0
    minimum = lesson_min_engaged_seconds(lesson)
    threshold = video_completion_ratio()
    videos = [
        round(video_watched_ratio(progress.video_state.get(b.id, {})), 3)
        if progress
        else 0.0
        for b in lesson.blocks_of("video")
    ]
    practice_ids = [b.id for b in lesson.blocks_of("practice")]
    right = sum(
        1
        for pid in practice_ids
        if progress and progress.practice_state.get(pid, {}).get("correct")
    )
    met = (
        seconds >= minimum
        and all(v >= threshold for v in videos)
        and right == len(practice_ids)
    )
    return {
        "lesson": lesson.pk,
        "title": lesson.title,
        "seconds": seconds,
        "min_seconds": minimum,
        "videos": videos,
        "video_threshold": threshold,
        "practice": [right, len(practice_ids)],
        "met": met,
    }


def lesson_evaluate(*, progress: LessonProgress, lesson: LessonPage) -> bool:
    """Complete the lesson when its rule holds, then update the course. Return True
    when the lesson is (now or already) complete."""
    if progress.completed_at is None:
        if not lesson_rule_met(progress=progress, lesson=lesson):
            course_progress_update(user=progress.user, course=lesson.course())
            return False
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at", "updated_at"])
        learning_event_record(
            actor=progress.user,
            verb=Verb.COMPLETED,
            object_type="lesson",
            object_id=lesson.pk,
            object_name=lesson.title,
            result={"duration_seconds": progress.seconds_spent},
            idempotency_key=f"lesson-completed:{lesson.pk}:{progress.user_id}",
        )
    course_progress_update(user=progress.user, course=lesson.course())
    return True


def final_exam_passed(*, user: User, course: CoursePage) -> bool:
    """Return True when the course has no final exam, or ``user`` passed it."""
    if course.final_exam_id is None:
        return True
    from exams.models import ExamGrade

    return ExamGrade.objects.filter(
        session_id=course.final_exam_id, user=user, passed=True
    ).exists()


def course_final_exam_graded(*, user: User, exam_session_id: int) -> int:
    """Re-check the courses whose final exam is ``exam_session_id`` for ``user`` (after
    a grade changed); return how many were re-checked."""
    courses = CoursePage.objects.live().filter(final_exam_id=exam_session_id)
    for course in courses:
        course_progress_update(user=user, course=course)
    return len(courses)


def course_progress_update(*, user: User, course: CoursePage) -> float:
    """Record the share of lessons completed; complete the course when all are done
    (and its final exam, if any). Return the share."""
    lessons = list(course.lessons().specific())
    if not lessons:
        return 0.0
    rows = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(
            user=user, lesson_id__in=[lesson.pk for lesson in lessons]
        )
    }
    done = sum(1 for row in rows.values() if row.completed_at is not None)
    share = done / len(lessons)
    evidence = course_evidence(lessons=lessons, progress=rows)
    item = course_tracked_item(course=course)
    period = course.period_for()
    if done == len(lessons) and final_exam_passed(user=user, course=course):
        course_complete(user=user, course=course, evidence=evidence)
    else:
        assignment_progress(
            user=user, item=item, progress=share, period=period, evidence=evidence
        )
    return share


def course_evidence(
    *, lessons: list[LessonPage], progress: dict[int, LessonProgress]
) -> dict[str, Any]:
    """The evidence written to the training record with a course's progress: the rules
    of each lesson, where the learner stands, and the engaged time in all."""
    rows = []
    for lesson in lessons:
        row = lesson_rule_evidence(progress=progress.get(lesson.pk), lesson=lesson)
        row["completed"] = bool(
            progress.get(lesson.pk) and progress[lesson.pk].completed_at
        )
        rows.append(row)
    return {"seconds": sum(row["seconds"] for row in rows), "lessons": rows}


def course_complete(
    *, user: User, course: CoursePage, evidence: dict[str, Any] | None = None
) -> bool:
    """Complete ``course`` for ``user`` and credit its hours, once: a second completion
    (another device, a retry, a re-study) neither completes again nor credits again.
    Return True when this call completed it."""
    period = course.period_for()
    item = course_tracked_item(course=course)
    now = timezone.now()
    _, newly = assignment_complete(
        user=user,
        item=item,
        completed_at=now,
        passed=True,
        period=period,
        evidence=evidence,
    )
    source_id = f"{course.pk}:{period}" if period else str(course.pk)
    _, credited = credit_hours(
        user=user,
        hours=course.credit_hours,
        category=course.category,
        source_type=ITEM_TYPE,
        source_id=source_id,
        source_name=course.title,
        earned_at=now,
        yearly_cap=yearly_cap_for(course.category),
    )
    if newly or credited:
        learning_event_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_type=ITEM_TYPE,
            object_id=course.pk,
            object_name=course.title,
            result={"completion": True, "credit_hours": str(course.credit_hours)},
            idempotency_key=f"course-completed:{source_id}:{user.pk}",
        )
        audit_log(
            action="course.complete",
            actor=user,
            target=course,
            details={"period": period},
        )
    return newly


# 会前学法 ------------------------------------------------------------------------------


def pre_meeting_leaders(unit) -> QuerySet[User]:
    """The leaders a session of ``unit`` may invite: active leaders of its subtree."""
    from accounts.models import Role

    return (
        User.objects.filter(
            is_active=True,
            unit__path__startswith=unit.path,
            role_assignments__role=Role.LEADER,
        )
        .distinct()
        .order_by("unit__path", "username")
    )


def pre_meeting_can_create(*, user: User, unit) -> bool:
    """Leaders and unit admins create sessions for the units they look after (their
    unit and its sub-units); the system admin for any unit."""
    from accounts.models import Role
    from accounts.selectors import can_see_unit

    if not user.is_authenticated or not user.has_role(
        Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN
    ):
        return False
    return can_see_unit(user, unit)


@transaction.atomic
def pre_meeting_session_create(
    *,
    actor: User,
    unit,
    meeting: str,
    held_on,
    topic: str,
    participants: list[User],
    presenter: User | None = None,
    presenter_name: str = "",
    statutes: str = "",
    articles: list | None = None,
    courses: list | None = None,
    notes: str = "",
    request=None,
) -> PreMeetingStudySession:
    """Create a 会前学法 session with its invited leaders (all from the unit's subtree)."""
    if not pre_meeting_can_create(user=actor, unit=unit):
        raise PermissionDenied(NOT_SESSION_ORGANISER)
    if not participants:
        raise ValidationError(gettext(NO_PARTICIPANTS))
    allowed = set(pre_meeting_leaders(unit).values_list("pk", flat=True))
    for person in participants:
        if person.pk not in allowed:
            raise ValidationError(
                gettext(PARTICIPANT_OUTSIDE_UNIT).format(name=person.display_name)
            )
    session = PreMeetingStudySession(
        unit=unit,
        meeting=meeting,
        held_on=held_on,
        topic=topic,
        presenter=presenter,
        presenter_name=presenter_name,
        statutes=statutes,
        notes=notes,
        created_by=actor,
    )
    session.full_clean()
    session.save()
    session.articles.set(articles or [])
    session.courses.set(courses or [])
    PreMeetingAttendance.objects.bulk_create(
        [PreMeetingAttendance(session=session, user=p) for p in participants]
    )
    audit_log(
        action="courses.pre_meeting.create",
        actor=actor,
        request=request,
        target=session,
        details={"participants": [p.pk for p in participants]},
    )
    return session


def pre_meeting_signin(
    *, session: PreMeetingStudySession, user: User, code: str, request=None
) -> PreMeetingAttendance:
    """A leader signs in with the code the organiser shows in the meeting (valid on the
    day of the meeting only)."""
    code = (code or "").strip()
    if (
        not code
        or code != session.signin_code
        or session.held_on != timezone.localdate()
    ):
        audit_log(
            action="courses.pre_meeting.signin_refused",
            actor=user,
            request=request,
            target=session,
        )
        raise ValidationError(gettext(WRONG_SIGNIN_CODE))
    return _attended(
        session=session,
        user=user,
        actor=user,
        method=AttendanceMethod.CODE,
        request=request,
    )


def pre_meeting_attendance_confirm(
    *, session: PreMeetingStudySession, user: User, actor: User, request=None
) -> PreMeetingAttendance:
    """The organiser records that ``user`` attended. Nobody records their own
    attendance this way: leaders sign in with the meeting's code."""
    from .selectors import pre_meeting_can_organise

    if actor.pk == user.pk or not pre_meeting_can_organise(user=actor, session=session):
        raise PermissionDenied(NOT_ORGANISER)
    return _attended(
        session=session,
        user=user,
        actor=actor,
        method=AttendanceMethod.ORGANISER,
        request=request,
    )


def _attended(
    *,
    session: PreMeetingStudySession,
    user: User,
    actor: User,
    method: str,
    request=None,
) -> PreMeetingAttendance:
    """Mark the attendance and write one "attended" event to the ledger."""
    with transaction.atomic():
        attendance = (
            PreMeetingAttendance.objects.select_for_update()
            .filter(session=session, user=user)
            .first()
        )
        if attendance is None:
            raise PermissionDenied(NOT_INVITED)
        if attendance.status != AttendanceStatus.ATTENDED:
            attendance.status = AttendanceStatus.ATTENDED
            attendance.confirmed_at = timezone.now()
            attendance.absence_reason = ""
            attendance.method = method
            attendance.recorded_by = actor
            attendance.full_clean()
            attendance.save()
        learning_event_record(
            actor=user,
            verb=Verb.ATTENDED,
            object_type="pre_meeting_study",
            object_id=session.pk,
            object_name=f"{session.meeting}：{session.topic}",
            timestamp=timezone.make_aware(
                datetime.combine(session.held_on, time(9, 0))
            ),
            idempotency_key=f"pre-meeting-attended:{session.pk}:{user.pk}",
        )
    audit_log(
        action="courses.pre_meeting.confirm",
        actor=actor,
        request=request,
        target=session,
        details={"leader": user.pk, "method": method},
    )
    return attendance


def pre_meeting_absence_record(
    *,
    session: PreMeetingStudySession,
    user: User,
    reason: str,
    actor: User,
    request=None,
) -> PreMeetingAttendance:
    """Record a leader's absence with its reason (by the organiser or the leader)."""
    from .selectors import pre_meeting_can_organise

    if actor.pk != user.pk and not pre_meeting_can_organise(
        user=actor, session=session
    ):
        raise PermissionDenied(NOT_ORGANISER)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ABSENCE_REASON_REQUIRED)
    with transaction.atomic():
        attendance = (
            PreMeetingAttendance.objects.select_for_update()
            .filter(session=session, user=user)
            .first()
        )
        if attendance is None:
            raise PermissionDenied(NOT_INVITED)
        if attendance.status == AttendanceStatus.ATTENDED:
            # A confirmed attendance is in the ledger, which is append-only.
            return attendance
        attendance.status = AttendanceStatus.ABSENT
        attendance.absence_reason = reason[:200]
        attendance.full_clean()
        attendance.save()
    audit_log(
        action="courses.pre_meeting.absence",
        actor=actor,
        request=request,
        target=session,
        details={"leader": user.pk, "reason": reason[:200]},
    )
    return attendance


# Publishing -------------------------------------------------------------------------


REVIEW_WORKFLOW_NAME = "课程审核"
REVIEW_TASK_NAME = "第二人审核（教官/法制员）"
EDITOR_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")


@transaction.atomic
def course_section_publishing_setup(
    *, section, editor_groups, reviewer_group_names=("trainer", "legal_officer")
):
    """Put ``section`` (a CourseIndexPage) under the review workflow and let
    ``editor_groups`` draft in it. Editors get add/change/lock, never publish: their
    drafts go live only when a second person in the reviewer groups approves.
    Idempotent; return the workflow."""
    from django.contrib.auth.models import Group, Permission

    from wagtail.models import (
        Collection,
        GroupCollectionPermission,
        GroupPagePermission,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    from .models import CourseReviewTask

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    reviewers = [
        Group.objects.get_or_create(name=name)[0] for name in reviewer_group_names
    ]
    for group in reviewers:
        group.permissions.add(access_admin)
    task = CourseReviewTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = CourseReviewTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set(reviewers)
    workflow, _ = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=section, defaults={"workflow": workflow})
    for group in editor_groups:
        group.permissions.add(access_admin)
        for codename in EDITOR_PERMISSIONS:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(
                group=group, page=section, permission=permission
            )
    # Editors upload and choose the videos and PDFs their lessons embed.
    root = Collection.get_first_root_node()
    for group in [*editor_groups, *reviewers]:
        for codename in ("add_document", "change_document", "choose_document"):
            permission = Permission.objects.get(
                content_type__app_label="wagtaildocs", codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )
    return workflow
