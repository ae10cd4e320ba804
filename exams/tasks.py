"""Celery tasks: thin wrappers that load ids and call one service (safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exams.grade_attempt")
def grade_attempt(attempt_id: int) -> int | None:
    """Grade one submitted attempt (idempotent: one Result per attempt)."""
    from .services import attempt_grade

    result = attempt_grade(attempt_id=attempt_id)
    return result.pk if result else None


@shared_task(name="exams.sweep_overdue_attempts")
def sweep_overdue_attempts() -> dict:
    """Submit what was saved for every attempt past its deadline plus grace, and grade
    submitted attempts whose grading task never ran (broker down when they were submitted)."""
    from .services import overdue_sweep, ungraded_sweep

    return {"submitted": overdue_sweep(), "graded": ungraded_sweep()}


@shared_task(name="exams.prepare_session_attempts")
def prepare_session_attempts(session_id: int) -> int:
    """Create attempts ahead of the window for a large sitting."""
    from .models import ExamSession
    from .services import session_prepare_attempts

    return session_prepare_attempts(session=ExamSession.objects.get(pk=session_id))


@shared_task(name="exams.compute_session_statistics")
def compute_session_statistics(session_id: int) -> None:
    from .models import ExamSession
    from .selectors import session_statistics_compute

    session_statistics_compute(session=ExamSession.objects.get(pk=session_id))


@shared_task(name="exams.write_audit_entry")
def write_audit_entry(
    *,
    action: str,
    actor_id: int | None,
    target_type: str,
    target_id: str,
    target_repr: str,
    details: dict,
) -> int:
    """Append an audit entry for an exam action recorded by a request (see audit_later)."""
    from accounts.models import User
    from audit.services import audit_log

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    entry = audit_log(
        action=action,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        details=details,
        client_ip=details.get("ip"),
    )
    return entry.pk
