"""The courses' part of the home page: required courses due or overdue, and 会前学法
sessions the leader has not confirmed yet."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import HomeItem

from .models import AttendanceStatus, PreMeetingAttendance
from .selectors import course_outline, my_learning


def course_home_items(request: HttpRequest) -> list[HomeItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    learning = my_learning(user=user)
    started = {id(row) for row in learning.in_progress}
    for row in learning.required + [
        r for r in learning.in_progress if not r.assignment.required
    ]:
        # The lesson to continue (or to begin), not the course's record.
        lesson = course_outline(user=user, course=row.course)["resume_lesson"]
        items.append(
            HomeItem(
                title=row.course.title,
                url=lesson.url if lesson is not None else row.course.url,
                kind=_("Course"),
                due=row.assignment.due_at,
                overdue=row.overdue,
                note=_("%(percent)d%% done")
                % {"percent": int(row.assignment.progress * 100)},
                action=(
                    _("Continue: %(lesson)s")
                    if id(row) in started
                    else _("Start: %(lesson)s")
                )
                % {"lesson": lesson.title}
                if lesson is not None
                else _("Open the course"),
            )
        )
    items.extend(_guidelines_to_read(user))
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


def _guidelines_to_read(user) -> list[HomeItem]:
    """Guidelines mapped to the categories of this year's enforcement problems recorded
    against the person (the training rules of ``courses.remediation``)."""
    from casebank.models import EnforcementProblem, GuidelinePage

    from .models import ProblemTrainingRule

    year = timezone.localdate().year
    categories = set(
        EnforcementProblem.objects.filter(person=user, found_on__year=year).values_list(
            "category", flat=True
        )
    )
    if not categories:
        return []
    guidelines = (
        GuidelinePage.objects.live()
        .filter(
            pk__in=ProblemTrainingRule.objects.filter(category__in=categories).values(
                "guidelines"
            )
        )
        .order_by("title")
    )
    return [
        HomeItem(
            title=g.title,
            url=g.url,
            kind="guideline",
            note=_("Recommended after a problem found in your cases"),
            action=_("Read the guideline"),
        )
        for g in guidelines
    ]
