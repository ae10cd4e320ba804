"""Keep required-course assignments in step with the organisation: a course published or
unpublished re-syncs its audience; a person who joins, moves unit or changes role gets
their own assignments recomputed; a unit moved to another parent re-syncs every required
course (audiences "with sub-units" follow the tree). Work is queued after the transaction
commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from wagtail.signals import page_published, page_unpublished

from accounts.models import RoleAssignment, User
from accounts.signals import unit_moved
from audit.services import audit_log

from .models import CoursePage

# ``robust=True`` below: a broker that is down is logged, never raised to the person
# saving; the nightly ``courses-assignments-sync`` catches up what was not queued.


def _enqueue_user(user_id: int) -> None:
    from .tasks import user_assignments_recompute_task

    transaction.on_commit(
        lambda: user_assignments_recompute_task.delay(user_id), robust=True
    )


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


# Whether a save changed the person's unit or activity: noted on the instance before the
# save (in its __dict__: User declares no such attribute), read after it.
_UNIT_CHANGED = "_courses_unit_changed"


@receiver(pre_save, sender=User)
def remember_unit(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not {"unit", "unit_id", "is_active"} & set(
        update_fields
    ):
        instance.__dict__[_UNIT_CHANGED] = False
        return
    if instance.pk is None:
        instance.__dict__[_UNIT_CHANGED] = True
        return
    old = User.objects.filter(pk=instance.pk).values("unit_id", "is_active").first()
    instance.__dict__[_UNIT_CHANGED] = old is None or (
        old["unit_id"],
        old["is_active"],
    ) != (instance.unit_id, instance.is_active)


@receiver(post_save, sender=User)
def user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    if created or instance.__dict__.get(_UNIT_CHANGED, False):
        _enqueue_user(instance.pk)


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def role_changed(sender, instance: RoleAssignment, **kwargs) -> None:
    _enqueue_user(instance.user_id)


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
