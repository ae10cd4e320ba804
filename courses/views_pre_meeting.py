"""会前学法 organised in pages: leaders (for their unit) and unit admins create sessions,
show the meeting's sign-in code, record attendance and absences."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Unit, User
from accounts.permissions import can_organise_pre_meeting, require
from accounts.selectors import visible_people, visible_units
from core.params import id_param

from . import services
from .models import CoursePage, PreMeetingStudySession
from .selectors import pre_meeting_can_organise


class LeaderChoiceField(forms.ModelMultipleChoiceField):
    """Leaders to tick, each shown with their unit."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.unit}）"


class SessionForm(forms.Form):
    fieldsets = [
        (
            gettext_lazy("The meeting"),
            "",
            ["unit", "meeting", "held_on", "topic", "presenter", "presenter_name"],
        ),
        (
            gettext_lazy("What is studied"),
            gettext_lazy(
                "Statutes are typed as citations (刑法264) and resolved to the library."
            ),
            ["statutes", "courses"],
        ),
        (gettext_lazy("Who takes part"), "", ["participants", "notes"]),
    ]

    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=gettext_lazy("unit"), queryset=None
    )
    meeting = forms.CharField(
        label=gettext_lazy("meeting"),
        max_length=100,
        help_text=gettext_lazy("e.g. 局党委会 (第12次)"),
    )
    held_on = forms.DateField(
        label=gettext_lazy("date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    topic = forms.CharField(label=gettext_lazy("topic"), max_length=200)
    presenter: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=gettext_lazy("presenter"), queryset=None, required=False
    )
    presenter_name = forms.CharField(
        label=gettext_lazy("presenter (if not on the platform)"),
        max_length=100,
        required=False,
    )
    statutes = forms.CharField(
        label=gettext_lazy("statute articles studied"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One citation per line, e.g. 《中华人民共和国行政处罚法》第三十三条"
        ),
    )
    courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("courses studied"),
        queryset=CoursePage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = LeaderChoiceField(
        label=gettext_lazy("participants (leaders)"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=gettext_lazy("notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = visible_units(user).order_by("path")
        # self.fields holds deep copies of the fields declared above.
        cast("forms.ModelChoiceField[Unit]", self.fields["unit"]).queryset = units
        cast(
            "forms.ModelChoiceField[User]", self.fields["presenter"]
        ).queryset = visible_people(user).order_by("username")
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["courses"]
        ).queryset = CoursePage.objects.live().order_by("title")
        leaders = User.objects.none()
        for unit in units.filter(depth=min((u.depth for u in units), default=1)):
            leaders = leaders | services.pre_meeting_leaders(unit)
        cast(
            LeaderChoiceField, self.fields["participants"]
        ).queryset = leaders.distinct()


def _statute_articles(text: str) -> list:
    """The library articles the citations name (unknown citations stay as text)."""
    from casebank.references import resolve_reference

    found = []
    for line in text.splitlines():
        if line.strip():
            article = resolve_reference(line)
            if article is not None:
                found.append(article)
    return found


@login_required
def pre_meeting_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a session: unit, meeting, date, topic, presenter, what is studied, leaders."""
    require(request, can_organise_pre_meeting)
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.pre_meeting_session_create(
                actor=request.user,
                unit=data["unit"],
                meeting=data["meeting"],
                held_on=data["held_on"],
                topic=data["topic"],
                presenter=data["presenter"],
                presenter_name=data["presenter_name"],
                statutes=data["statutes"],
                articles=_statute_articles(data["statutes"]),
                courses=list(data["courses"]),
                participants=list(data["participants"]),
                notes=data["notes"],
                request=request,
            )
        except ValidationError as e:
            form.add_error(None, e.messages[0])
        except PermissionDenied as e:
            form.add_error("unit", _(str(e)))
        else:
            messages.success(request, _("The session was created."))
            return redirect("courses:pre_meeting_session", session_id=session.pk)
    return render(request, "courses/pre_meeting_new.html", {"form": form})


def _organised(
    request: AuthenticatedHttpRequest, session_id: int
) -> PreMeetingStudySession:
    session = get_object_or_404(
        PreMeetingStudySession.objects.select_related("unit", "presenter"),
        pk=session_id,
    )
    if not pre_meeting_can_organise(user=request.user, session=session):
        raise Http404
    return session


@login_required
def pre_meeting_session(
    request: AuthenticatedHttpRequest, session_id: int
) -> HttpResponse:
    """The organiser's page of one session: the sign-in code to show in the meeting and
    everyone's attendance, with buttons to record it."""
    session = _organised(request, session_id)
    return render(
        request,
        "courses/pre_meeting_session.html",
        {
            "session": session,
            "attendances": session.attendances.select_related(
                "user__unit", "recorded_by"
            ).order_by("user__username"),
            "is_today": session.held_on == timezone.localdate(),
        },
    )


@login_required
@require_POST
def pre_meeting_attend(
    request: AuthenticatedHttpRequest, session_id: int
) -> HttpResponse:
    """The organiser records that a leader attended."""
    session = _organised(request, session_id)
    attendance = (
        session.attendances.filter(user_id=id_param(request.POST.get("user")) or 0)
        .select_related("user")
        .first()
    )
    if attendance is None:
        raise Http404
    try:
        services.pre_meeting_attendance_confirm(
            session=session, user=attendance.user, actor=request.user, request=request
        )
    except PermissionDenied as e:
        messages.error(request, _(str(e)))
    else:
        messages.success(request, _("Attendance recorded."))
    return redirect("courses:pre_meeting_session", session_id=session.pk)
