"""Learner pages (My learning, catalogue), the progress endpoints the lesson page posts
to, and 会前学法 attendance. Views parse, call one service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import can_organise_pre_meeting
from core.params import id_param
from records.models import CreditCategory

from . import selectors, services
from .media import ranged_file_response, transcript_vtt
from .models import CourseIndexPage, CoursePage, LessonPage, PreMeetingStudySession

BAD_REQUEST = gettext_noop("The request could not be read.")


@login_required
def my_learning(request: AuthenticatedHttpRequest) -> HttpResponse:
    learning = selectors.my_learning(user=request.user)
    year = timezone.localdate().year
    pre_meeting = None
    if selectors.pre_meeting_sessions_for(user=request.user, year=year).exists():
        pre_meeting = {
            "count": selectors.pre_meeting_study_counts([request.user], year)[
                request.user.id
            ],
            "required": selectors.pre_meeting_required(),
        }
    return render(
        request,
        "courses/my_learning.html",
        {"learning": learning, "year": year, "pre_meeting": pre_meeting},
    )


@login_required
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    if category not in CreditCategory.values:
        category = ""
    kind = request.GET.get("kind", "")
    try:
        section = int(request.GET.get("section") or 0) or None
    except ValueError:
        section = None
    if section is not None and not 0 < section < 2**31:
        section = None  # a database integer (a larger one answered 500)
    courses = selectors.course_catalogue(
        user=request.user, query=query, category=category, kind=kind, section=section
    )
    page = Paginator(courses, 24).get_page(request.GET.get("page"))
    statuses = selectors.course_statuses(user=request.user, courses=page.object_list)
    rows = [{"course": c, "assignment": statuses.get(c.pk)} for c in page.object_list]
    return render(
        request,
        "courses/catalogue.html",
        {
            "rows": rows,
            "page_obj": page,
            "query": query,
            "category": category,
            "kind": kind,
            "section": section,
            "categories": CreditCategory.choices,
            "sections": CourseIndexPage.objects.live().order_by("path"),
        },
    )


@login_required
@require_POST
def course_enrol(request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.course_enrol(user=request.user, course=course)
    except ValidationError as e:
        messages.error(request, _(e.messages[0]) if e.messages else _(BAD_REQUEST))
    else:
        messages.success(
            request, _("You are enrolled in %(course)s.") % {"course": course.title}
        )
    return redirect(course.url)


def _json_body(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as e:
        raise ValidationError(BAD_REQUEST) from e
    if not isinstance(data, dict):
        raise ValidationError(BAD_REQUEST)
    return data


def _lesson(lesson_id: int) -> LessonPage:
    return get_object_or_404(LessonPage.objects.live().specific(), pk=lesson_id)


def _error(e: ValidationError, status: int = 400) -> JsonResponse:
    message = e.messages[0] if e.messages else BAD_REQUEST
    return JsonResponse(
        {"error": {"code": "invalid", "message": _(message)}}, status=status
    )


@login_required
@require_POST
def lesson_heartbeat(request: AuthenticatedHttpRequest, lesson_id: int) -> JsonResponse:
    lesson = _lesson(lesson_id)
    try:
        seconds = int(_json_body(request).get("seconds", 0))
    except (ValidationError, TypeError, ValueError):
        return _error(ValidationError(BAD_REQUEST))
    progress = services.lesson_heartbeat(
        user=request.user, lesson=lesson, seconds=seconds
    )
    return JsonResponse({"seconds_spent": progress.seconds_spent})


@login_required
@require_POST
def lesson_video(request: AuthenticatedHttpRequest, lesson_id: int) -> JsonResponse:
    lesson = _lesson(lesson_id)
    try:
        data = _json_body(request)
        ratio = services.video_progress_record(
            user=request.user,
            lesson=lesson,
            block_id=str(data.get("block_id", "")),
            start=data.get("start"),
            end=data.get("end"),
            duration=data.get("duration"),
        )
    except ValidationError as e:
        return _error(e)
    completed = lesson.progress.filter(
        user=request.user, completed_at__isnull=False
    ).exists()
    return JsonResponse({"watched": round(ratio, 3), "lesson_completed": completed})


@login_required
def media(
    request: AuthenticatedHttpRequest, lesson_id: int, block_id: str
) -> HttpResponse | StreamingHttpResponse:
    """The video of one video block of a live lesson, with HTTP range requests: 206 for
    a range, 416 for one outside the file. Only files placed in a live lesson are
    served this way (never any document by its id)."""
    lesson = _lesson(lesson_id)
    block = next((b for b in lesson.blocks_of("video") if b.id == block_id), None)
    document = block.value.get("video") if block is not None else None
    if document is None:
        raise Http404
    return ranged_file_response(
        document.file,
        name=document.file.name,
        range_header=request.headers.get("Range", ""),
    )


@login_required
def captions(
    request: AuthenticatedHttpRequest, lesson_id: int, block_id: str
) -> HttpResponse:
    """The WebVTT captions track of one video block, made from its transcript."""
    lesson = _lesson(lesson_id)
    block = next((b for b in lesson.blocks_of("video") if b.id == block_id), None)
    if block is None or not block.value.get("transcript"):
        raise Http404
    return HttpResponse(
        transcript_vtt(block.value["transcript"]),
        content_type="text/vtt; charset=utf-8",
    )


@login_required
@require_POST
def lesson_practice(
    request: AuthenticatedHttpRequest, lesson_id: int, block_id: str
) -> JsonResponse:
    lesson = _lesson(lesson_id)
    try:
        data = _json_body(request)
        choices = data.get("choices") or []
        if not isinstance(choices, list):
            raise ValidationError(services.NO_CHOICE)
        feedback = services.practice_answer(
            user=request.user, lesson=lesson, block_id=block_id, choices=choices
        )
    except ValidationError as e:
        return _error(e)
    return JsonResponse(
        {
            "correct": feedback.correct,
            "correct_choices": feedback.correct_choices,
            "explanation": feedback.explanation,
            "all_passed": feedback.all_passed,
            "lesson_completed": feedback.lesson_completed,
        }
    )


@login_required
def pre_meeting(request: AuthenticatedHttpRequest) -> HttpResponse:
    """会前学法: the sessions a leader is invited to (confirm or give a reason) and, for
    organisers, the attendance of the sessions in their units."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:  # a year Python's dates cannot hold answered 500
        year = timezone.localdate().year
    mine = list(selectors.pre_meeting_sessions_for(user=request.user, year=year))
    my_attendance = {
        a.session_id: a
        for a in request.user.pre_meeting_attendances.filter(session__in=mine)
    }
    rows = [{"session": s, "attendance": my_attendance.get(s.pk)} for s in mine]
    organised = selectors.pre_meeting_sessions_organised_by(
        user=request.user, year=year
    )
    leaders: dict[int, User] = {}
    for session in organised:
        for attendance in session.attendances.all():
            leaders.setdefault(attendance.user_id, attendance.user)
    counts = selectors.pre_meeting_study_counts(list(leaders), year) if leaders else {}
    return render(
        request,
        "courses/pre_meeting.html",
        {
            "year": year,
            "rows": rows,
            "organised": organised,
            "my_count": selectors.pre_meeting_study_counts([request.user], year)[
                request.user.id
            ],
            "required": selectors.pre_meeting_required(),
            "can_create": can_organise_pre_meeting(request.user),
            "leader_counts": [
                {"user": leaders[pk], "count": n}
                for pk, n in sorted(counts.items(), key=lambda kv: -kv[1])
            ],
        },
    )


@login_required
@require_POST
def pre_meeting_confirm(
    request: AuthenticatedHttpRequest, session_id: int
) -> HttpResponse:
    """A leader signs in with the code shown in the meeting."""
    session = get_object_or_404(PreMeetingStudySession, pk=session_id)
    try:
        services.pre_meeting_signin(
            session=session,
            user=request.user,
            code=request.POST.get("code", ""),
            request=request,
        )
    except ValidationError as e:
        messages.error(request, e.messages[0])
    except PermissionDenied as e:
        messages.error(request, _(str(e)))
    else:
        messages.success(request, _("Attendance confirmed."))
    return redirect("courses:pre_meeting")


@login_required
@require_POST
def pre_meeting_absence(
    request: AuthenticatedHttpRequest, session_id: int
) -> HttpResponse:
    session = get_object_or_404(PreMeetingStudySession, pk=session_id)
    user_id = (
        id_param(request.POST.get("user")) or 0
        if request.POST.get("user")
        else request.user.pk
    )
    attendance = (
        session.attendances.filter(user_id=user_id).select_related("user").first()
    )
    if attendance is None:
        raise PermissionDenied(services.NOT_INVITED)
    try:
        services.pre_meeting_absence_record(
            session=session,
            user=attendance.user,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            request=request,
        )
    except ValidationError as e:
        messages.error(request, _(e.messages[0]))
    except PermissionDenied as e:
        messages.error(request, _(str(e)))
    else:
        messages.success(request, _("Absence recorded."))
    if request.POST.get("next") == "session":
        return redirect("courses:pre_meeting_session", session_id=session.pk)
    return redirect("courses:pre_meeting")
