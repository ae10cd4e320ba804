"""Background work: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from accounts.models import User

from . import services
from .models import CoursePage


@shared_task
def course_assignments_sync_task(course_id: int) -> tuple[int, int] | None:
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        return None
    return services.course_assignments_sync(course=course)


@shared_task
def user_assignments_recompute_task(user_id: int) -> int | None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    return services.user_assignments_recompute(user=user)


@shared_task
def courses_assignments_sync_all_task() -> int:
    """Re-sync every live required course (yearly courses roll over on 1 January)."""
    count = 0
    for course in CoursePage.objects.live().filter(required=True):
        services.course_assignments_sync(course=course)
        count += 1
    return count


@shared_task
def course_final_exam_graded_task(user_id: int, exam_session_id: int) -> int | None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    return services.course_final_exam_graded(user=user, exam_session_id=exam_session_id)
