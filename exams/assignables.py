"""Exam sessions as an assignable type of ``records.AssignmentRule`` (registered in
``ExamsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from records.assignables import AssignableType

from .models import ExamSession
from .services import (
    session_sync_assignments,
    session_tracked_item,
    user_exam_assignments_recompute,
)


def _sessions():
    return ExamSession.objects.filter(is_published=True, kind=ExamSession.Kind.EXAM)


def _choices() -> list[tuple[str, str]]:
    return [
        (str(pk), title)
        for pk, title in _sessions().order_by("-opens_at").values_list("pk", "title")
    ]


def _item(item_id: str):
    session = _sessions().filter(pk=item_id).first()
    return session_tracked_item(session) if session else None


def _sync(item):
    session = ExamSession.objects.filter(pk=item.item_id).first()
    return session_sync_assignments(session=session) if session else None


EXAM = AssignableType(
    item_type="exam",
    label=_("Exam"),
    choices=_choices,
    item=_item,
    sync=_sync,
    recompute_user=lambda user: user_exam_assignments_recompute(user=user),
)
