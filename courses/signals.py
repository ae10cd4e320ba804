"""Keep required-course assignments in step with the organisation: a course published or
unpublished re-syncs its audience; a unit moved to another parent re-syncs every required
course (audiences "with sub-units" follow the tree). A person who joins, moves unit or
changes role, post or 警种 is recomputed by ``records.signals`` through the course type
registered in ``CoursesConfig.ready()``. Work is queued after the transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from wagtail.signals import page_published, page_unpublished

from accounts.signals import unit_moved
from audit.services import audit_log

from .models import CoursePage

# ``robust=True`` below: a broker that is down is logged, never raised to the person
# saving; the nightly ``courses-assignments-sync`` catches up what was not queued.


def _enqueue_course(course_id: int) -> None:
    from .tasks import course_assignments_sync_task

    transaction.on_commit(
        lambda: course_assignments_sync_task.delay(course_id), robust=True
    )


@receiver(post_save, sender="exams.ExamGrade")
def exam_graded(sender, instance, **kwargs) -> None:
    if instance.passed:
        from .tasks import course_final_exam_graded_task

        user_id, session_id = instance.user_id, instance.session_id
        transaction.on_commit(
            lambda: course_final_exam_graded_task.delay(user_id, session_id)
        )


@receiver(page_published, sender=CoursePage)
def course_published(sender, instance: CoursePage, revision=None, **kwargs) -> None:
    audit_log(
        action="course.publish",
        actor=getattr(revision, "user", None),
        target=instance,
        details={"revision": getattr(revision, "pk", None)},
    )
    _enqueue_course(instance.pk)


@receiver(page_unpublished, sender=CoursePage)
def course_unpublished(sender, instance: CoursePage, **kwargs) -> None:
    audit_log(action="course.unpublish", target=instance)
    _enqueue_course(instance.pk)


@receiver(unit_moved)
def unit_moved_resync(sender, unit_id: int, **kwargs) -> None:
    """A whole subtree changed parent: the people in it may enter or leave audiences
    given by an ancestor "with sub-units". One task re-syncs every live required course;
    moves are rare and a sync is about a second per course of 5,000 people."""
    from .tasks import courses_assignments_sync_all_task

    transaction.on_commit(courses_assignments_sync_all_task.delay, robust=True)


def _problem_recorded(sender, problem, **kwargs) -> None:
    """A problem was recorded: assign the learning mapped to its category, in the same
    transaction (courses.remediation)."""
    from .remediation import problem_remediation_assign

    problem_remediation_assign(problem=problem)


def _connect_problem_signal() -> None:
    from casebank.signals import problem_recorded

    problem_recorded.connect(_problem_recorded, dispatch_uid="courses-remediation")


_connect_problem_signal()
