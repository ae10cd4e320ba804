"""The courses' part of the home page: required courses due or overdue, and 会前学法
sessions the leader has not confirmed yet."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import HomeItem

from .models import AttendanceStatus, PreMeetingAttendance
from .selectors import my_learning


def course_home_items(request: HttpRequest) -> list[HomeItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    items = [
        HomeItem(
            title=row.course.title,
            url=row.course.url,
            kind=_("Course"),
            due=row.assignment.due_at,
            overdue=row.overdue,
            note=_("%(percent)d%% done")
            % {"percent": int(row.assignment.progress * 100)},
        )
        for row in my_learning(user=user).required
    ]
    today = timezone.localdate()
    pending = (
        PreMeetingAttendance.objects.filter(
            user=user,
            status=AttendanceStatus.INVITED,
            session__held_on__gte=today.replace(month=1, day=1),
        )
        .select_related("session")
        .order_by("session__held_on")
    )
    for attendance in pending:
        session = attendance.session
        items.append(
            HomeItem(
                title=f"{session.meeting}：{session.topic}",
                url="/learn/pre-meeting/",
                kind=_("Pre-meeting law study"),
                due=session.held_on,
                overdue=False,
                note=_("Confirm your attendance")
                if session.held_on <= today
                else _("Upcoming"),
            )
        )
    return items
