"""Courses as Wagtail pages (CourseIndexPage → CoursePage → LessonPage), each learner's
lesson progress, and 会前学法 (leaders studying law before meetings).

Completions, credit hours and assignments live in ``records``; this app writes them
through ``records.services`` and keeps only what it needs to decide completion.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from accounts.models import Role
from core.workflows import SecondPersonApprovalMixin
from records.models import CreditCategory

from .blocks import LessonStreamBlock

SELF_APPROVAL_REFUSED = gettext_noop(
    "A course must be reviewed by someone other than the person who submitted it."
)


if TYPE_CHECKING:
    # What the mixin is mixed into, so its ``super()`` call resolves.
    from wagtail.models import Page as _PageBase
else:
    _PageBase = object


class LoginRequiredPageMixin(_PageBase):
    """Serve the page to signed-in people only (training content is internal)."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(
                f"{reverse('accounts:login')}?next={request.path}"
            )
        return super().serve(request, *args, **kwargs)


class CourseIndexPage(LoginRequiredPageMixin, Page):
    """A course section (课程栏目). Sections can nest; editing rights are granted per
    section, so a trainer sees only the sections their group may edit."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CourseIndexPage", "courses.CoursePage"]

    class Meta:
        verbose_name = _("course section")
        verbose_name_plural = _("course sections")

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().serve(request, *args, **kwargs)
        return HttpResponseRedirect(f"{reverse('courses:catalogue')}?section={self.pk}")


class CoursePage(LoginRequiredPageMixin, Page):
    """A course: what it teaches, to whom, for how many hours, and by when."""

    summary = models.TextField(_("summary"))
    objectives = RichTextField(
        _("learning objectives"), blank=True, features=["ol", "ul", "bold"]
    )
    credit_hours = models.DecimalField(
        _("credit hours (学时)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CreditCategory.choices,
        default=CreditCategory.LAW,
    )
    required = models.BooleanField(
        _("required"),
        default=False,
        help_text=_(
            "Required courses are assigned to everyone in the audience; electives are self-enrolled."
        ),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    yearly = models.BooleanField(
        _("repeat every year"),
        default=False,
        help_text=_(
            "Assigned again each year, due on 31 December unless a due date is set."
        ),
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        verbose_name=_("prerequisites"),
        blank=True,
        related_name="unlocks",
    )
    final_exam = models.ForeignKey(
        "exams.ExamSession",
        verbose_name=_("final exam"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "When set, the course completes only once the learner has passed this exam."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [
                FieldPanel("category"),
                FieldPanel("credit_hours"),
                FieldPanel("prerequisites"),
                FieldPanel("final_exam"),
            ],
            heading=_("Credit"),
        ),
        InlinePanel("lecturers", label=_("Lecturers")),
        MultiFieldPanel(
            [
                FieldPanel("required"),
                FieldPanel("due_date"),
                FieldPanel("yearly"),
                InlinePanel("audience_rules", label=_("Audience rules")),
            ],
            heading=_("Audience"),
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self) -> None:
        super().clean()
        if self.yearly and not self.required:
            raise ValidationError(
                {"yearly": _("Only required courses repeat every year.")}
            )

    def lessons(self):
        """Return the live lessons in their order in the page tree."""
        return LessonPage.objects.child_of(self).live().specific().order_by("path")

    def review_carries(self) -> list[LessonPage]:
        """The lessons whose drafts go live with the course when its review is approved:
        unpublished changes, not in a review of their own (``core.workflows``)."""
        return [
            lesson
            for lesson in LessonPage.objects.child_of(self)
            .filter(has_unpublished_changes=True)
            .order_by("path")
            if not lesson.workflow_in_progress
        ]

    def period_for(self, when: date | None = None) -> str:
        """Return the assignment period: the year for yearly courses, else ""."""
        if not self.yearly:
            return ""
        return str((when or timezone.localdate()).year)

    def due_for(self, period: str):
        """Return the due moment for ``period`` (end of the due day, local time)."""
        from datetime import datetime, time

        due = self.due_date
        if self.yearly:
            year = int(period) if period else timezone.localdate().year
            due = due.replace(year=year) if due else date(year, 12, 31)
        if due is None:
            return None
        return timezone.make_aware(datetime.combine(due, time(23, 59, 59)))

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context.update(course_outline(user=request.user, course=self))
        return context


class LecturerKind(models.TextChoices):
    OFFICER = "officer", _("Police officer")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    JUDGE = "judge", _("Judge")
    SCHOLAR = "scholar", _("Scholar")
    LAWYER = "lawyer", _("Lawyer")
    OTHER = "other", _("Other")


class CourseLecturer(Orderable):
    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="lecturers")
    name = models.CharField(pgettext_lazy("lecturer", "name"), max_length=50)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=LecturerKind.choices,
        default=LecturerKind.OFFICER,
    )
    affiliation = models.CharField(_("affiliation"), max_length=100, blank=True)
    title = models.CharField(
        _("title"), max_length=50, blank=True, help_text=_("e.g. 三级高级检察官")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("platform account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("affiliation"),
        FieldPanel("user"),
    ]

    def __str__(self) -> str:
        return self.name


class CourseAudienceRule(Orderable):
    """One audience rule: people holding ``role`` (any role when blank) in ``unit``
    (and its subunits when ``include_subunits``; every unit when blank). A course's
    audience is the union of its rules."""

    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="audience_rules"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    include_subunits = models.BooleanField(_("include subunits"), default=True)

    panels = [FieldPanel("role"), FieldPanel("unit"), FieldPanel("include_subunits")]

    def __str__(self) -> str:
        return f"{self.get_role_display() or '*'} @ {self.unit or '*'}"

    def matches(self, user) -> bool:
        """Return True when ``user`` falls under this rule."""
        if self.role and not user.has_role(self.role):
            return False
        if self.unit_id is None:
            return True
        if user.unit_id is None:
            return False
        if self.include_subunits:
            return user.unit.is_within(self.unit)
        return user.unit_id == self.unit_id


class LessonPage(LoginRequiredPageMixin, Page):
    """A lesson: a stream of text, video, PDF, statute articles, cases and practice."""

    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=20)
    min_engaged_minutes = models.PositiveIntegerField(
        _("minimum study time (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Time the learner must spend on the page, measured by the server. "
            "Empty: half the estimated time."
        ),
    )
    body = StreamField(
        LessonStreamBlock(), verbose_name=_("content"), use_json_field=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("estimated_minutes"),
        FieldPanel("min_engaged_minutes"),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = pgettext_lazy("course", "lessons")

    def course(self) -> CoursePage:
        return CoursePage.objects.get(pk=self.get_parent().pk)

    def blocks_of(self, block_type: str) -> list:
        return [block for block in self.body if block.block_type == block_type]

    def completion_rule(self) -> str:
        """Return how this lesson completes: "video", "practice", "video+practice" or "open"."""
        parts = [name for name in ("video", "practice") if self.blocks_of(name)]
        return "+".join(parts) or "open"

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(user=request.user, lesson=self))
        return context

    def serve(self, request, *args, **kwargs):
        # Previews (a reviewer reading a draft) are not study: record nothing.
        if request.user.is_authenticated and not getattr(request, "is_preview", False):
            from .selectors import prerequisites_missing
            from .services import lesson_open

            course = self.course()
            if not course.live:
                raise Http404
            if prerequisites_missing(user=request.user, course=course):
                return HttpResponseRedirect(course.url)
            lesson_open(user=request.user, lesson=self)
        return super().serve(request, *args, **kwargs)


class LessonProgress(models.Model):
    """A learner's state in one lesson, kept on the server so that they resume on any
    device: the last video position, which stretches of each video they watched, and
    which practice questions they answered right."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="progress"
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    opened_at = models.DateTimeField(_("first opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True, db_index=True)
    seconds_spent = models.PositiveIntegerField(_("seconds spent"), default=0)
    # The last moment counted as engaged time (page opened or heartbeat); a heartbeat
    # adds the wall-clock time since the latest such moment of any of the person's lessons.
    beat_at = models.DateTimeField(null=True, blank=True)
    # {block_id: {"duration": s, "position": s, "buckets": [i, ...]}}; a bucket is a
    # VIDEO_BUCKET_SECONDS stretch the player reported playing, so skipping to the end
    # does not count as watching.
    video_state = models.JSONField(default=dict, blank=True)
    # {block_id: {"correct": bool, "attempts": n, "locked_until": seconds_spent}}
    practice_state = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"], name="uniq_lesson_progress"
            )
        ]
        indexes = [models.Index(fields=["user", "course"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id}"


class CourseReviewTask(SecondPersonApprovalMixin, AbstractGroupApprovalTask):
    """Group approval where the reviewer must be a second person: whoever submitted
    the course cannot approve it, even when they belong to a reviewing group."""

    class Meta:
        verbose_name = _("course review (second person)")
        verbose_name_plural = _("course reviews (second person)")

    self_approval_message = SELF_APPROVAL_REFUSED

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups, other than the submitter, approve the course"
        )


# 会前学法 ------------------------------------------------------------------------------


def signin_code() -> str:
    """A six-digit code the organiser shows in the meeting; leaders enter it to sign in."""
    import secrets

    return f"{secrets.randbelow(1_000_000):06d}"


class PreMeetingStudySession(ClusterableModel):
    """A 会前学法 session: before a meeting (党委会, 局务会...), the leaders study law."""

    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting = models.CharField(
        _("meeting"), max_length=100, help_text=_("e.g. 局党委会 (第12次)")
    )
    held_on = models.DateField(_("date"), db_index=True)
    topic = models.CharField(_("topic"), max_length=200)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presenter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    presenter_name = models.CharField(
        _("presenter (if not on the platform)"), max_length=100, blank=True
    )
    statutes = models.TextField(
        _("statute articles studied"),
        blank=True,
        help_text=_(
            "One citation per line, e.g. 《中华人民共和国行政处罚法》第三十三条"
        ),
    )
    materials = ParentalManyToManyField(
        "wagtaildocs.Document",
        verbose_name=_("materials"),
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    articles = models.ManyToManyField(
        "casebank.Article",
        verbose_name=_("statute articles (library)"),
        blank=True,
        related_name="pre_meeting_sessions",
    )
    courses = models.ManyToManyField(
        "courses.CoursePage",
        verbose_name=_("courses studied"),
        blank=True,
        related_name="+",
    )
    signin_code = models.CharField(
        _("sign-in code"), max_length=6, default=signin_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("unit"),
        FieldPanel("meeting"),
        FieldPanel("held_on"),
        FieldPanel("topic"),
        FieldPanel("presenter"),
        FieldPanel("presenter_name"),
        FieldPanel("statutes"),
        FieldPanel("materials"),
        FieldPanel("notes"),
        InlinePanel("attendances", label=_("Leaders")),
    ]

    class Meta:
        verbose_name = _("pre-meeting law study (会前学法)")
        verbose_name_plural = _("pre-meeting law studies (会前学法)")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.meeting}: {self.topic}"

    @property
    def presenter_display(self) -> str:
        return self.presenter.display_name if self.presenter else self.presenter_name

    def statute_lines(self) -> list[str]:
        return [line.strip() for line in self.statutes.splitlines() if line.strip()]


class AttendanceMethod(models.TextChoices):
    CODE = "code", _("Signed in with the meeting's code")
    ORGANISER = "organiser", _("Recorded by the organiser")


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Awaiting confirmation")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


class PreMeetingAttendance(models.Model):
    """A leader's place in a session: invited, attended (confirmed by the leader in the
    system) or absent with a reason."""

    session = ParentalKey(
        PreMeetingStudySession, on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.CASCADE,
        related_name="pre_meeting_attendances",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.INVITED,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    absence_reason = models.CharField(
        _("reason for absence"), max_length=200, blank=True
    )
    method = models.CharField(
        _("recorded how"), max_length=10, choices=AttendanceMethod.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("user"), FieldPanel("status"), FieldPanel("absence_reason")]

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="uniq_pre_meeting_attendance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_status_display()}"

    def clean(self) -> None:
        if self.status == AttendanceStatus.ABSENT and not self.absence_reason.strip():
            raise ValidationError(
                {"absence_reason": _("Give the reason for the absence.")}
            )
        if self.status == AttendanceStatus.ATTENDED and self.confirmed_at is None:
            raise ValidationError(
                {
                    "status": _(
                        "Attendance is recorded by the organiser or with the meeting's sign-in code."
                    )
                }
            )


# From enforcement problems to training -----------------------------------------------------


class ProblemTrainingRule(models.Model):
    """What a problem of one category (casebank.ProblemCategory) sends people to learn:
    courses (assigned, with a due date), guidelines and question tags (shown with the
    problem). Configured by trainers; read by ``courses.remediation``."""

    category = models.CharField(_("problem category"), max_length=20, unique=True)
    courses = models.ManyToManyField(
        CoursePage, verbose_name=_("courses"), blank=True, related_name="+"
    )
    guidelines = models.ManyToManyField(
        "casebank.GuidelinePage",
        verbose_name=_("guidelines"),
        blank=True,
        related_name="+",
    )
    question_tags = models.CharField(
        _("question tags"),
        max_length=300,
        blank=True,
        help_text=_("Tags of practice questions, separated by commas"),
    )
    due_days = models.PositiveIntegerField(
        _("days to complete"), default=30, validators=[MinValueValidator(1)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("training for a problem category")
        verbose_name_plural = _("training for problem categories")

    def __str__(self) -> str:
        return self.category

    @property
    def tag_list(self) -> list[str]:
        import re

        return [t for t in re.split(r"[、,，;；\s]+", self.question_tags) if t]


# 执法考评: the evaluation scheme and frozen periods (courses.evaluation) -----------------------


class IndicatorCode(models.TextChoices):
    """The indicators an evaluation scheme may weigh (formulas in docs/evaluation.md)."""

    HOURS = "hours", _("Required training hours completed")
    EXAM_PASS = "exam_pass", _("Exam pass rate")
    EXAM_AVERAGE = "exam_average", _("Exam average score")
    PRE_MEETING = "pre_meeting", _("Pre-meeting law study attendance (leaders)")
    LEGAL_OFFICER = "legal_officer", _("Legal officers qualified")
    PROBLEMS_PER_100_CASES = (
        "problems_per_100_cases",
        _("Problems per 100 cases handled (by severity)"),
    )
    PROBLEMS_PER_OFFICER = (
        "problems_per_officer",
        _("Problems per officer (by severity)"),
    )
    PROBLEMS_CLOSED = "problems_closed", _("Problems closed by training on time")
    OFFLINE = "offline", _("Court hearings and lectures by prosecutors and judges")


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, awaiting approval")
    APPROVED = "approved", _("Approved")


class EvaluationScheme(models.Model):
    """One version of a year's evaluation scheme: weighted indicators. Written by a
    system admin and in force once a second person approves it; the latest approved
    version of a year is the one in force. Approved versions are never edited: a change
    is a new version."""

    year = models.PositiveIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SchemeStatus.choices,
        default=SchemeStatus.DRAFT,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "version"], name="uniq_scheme_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class EvaluationIndicator(models.Model):
    """One weighted indicator of a scheme. ``target`` is the indicator's parameter: the
    number of activities a person should reach (offline), or the problem rate at which
    the score falls to 0 (problem rates); unused by the other indicators."""

    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(
        _("indicator"), max_length=30, choices=IndicatorCode.choices
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    target = models.DecimalField(
        _("target"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="uniq_scheme_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.weight}"


class EvaluationSnapshot(models.Model):
    """The scores of one period (a month, "2026-03", or a year, "2026") frozen for the
    whole organisation and signed (HMAC over its rows). A later correction is a new
    snapshot that supersedes this one and gives its reason; this one is kept."""

    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.PROTECT, related_name="snapshots"
    )
    period = models.CharField(_("period"), max_length=7, db_index=True)
    as_of = models.DateField(_("as of"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField(_("frozen at"))
    signature = models.CharField(max_length=64)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    correction_reason = models.CharField(
        _("reason for the correction"), max_length=500, blank=True
    )
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("frozen evaluation")
        verbose_name_plural = _("frozen evaluations")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(is_current=True),
                name="one_current_snapshot_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} ({self.frozen_at:%Y-%m-%d})"


class EvaluationSnapshotRow(models.Model):
    """One unit's (subtree) or one person's frozen score and indicator values."""

    snapshot = models.ForeignKey(
        EvaluationSnapshot, on_delete=models.CASCADE, related_name="rows"
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    values = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "snapshot"], name="snaprow_unit"),
            models.Index(fields=["person", "snapshot"], name="snaprow_person"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.unit_id or self.person_id}: {self.score}"
