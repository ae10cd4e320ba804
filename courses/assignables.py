"""Courses as an assignable type of ``records.AssignmentRule`` (registered in
``CoursesConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from records.assignables import AssignableType

from .models import CoursePage
from .services import (
    ITEM_TYPE,
    course_assignments_sync,
    course_tracked_item,
    user_assignments_recompute,
)


def _choices() -> list[tuple[str, str]]:
    return [
        (str(pk), title)
        for pk, title in CoursePage.objects.live()
        .order_by("title")
        .values_list("pk", "title")
    ]


def _item(item_id: str):
    course = CoursePage.objects.live().filter(pk=item_id).first()
    return course_tracked_item(course=course) if course else None


def _sync(item):
    course = CoursePage.objects.filter(pk=item.item_id).first()
    return course_assignments_sync(course=course) if course else None


COURSE = AssignableType(
    item_type=ITEM_TYPE,
    label=_("Course"),
    choices=_choices,
    item=_item,
    sync=_sync,
    recompute_user=lambda user: user_assignments_recompute(user=user),
)
