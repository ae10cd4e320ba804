"""The exam engine's tables.

A ``Question`` is the stable identity a trainer manages; its content lives in immutable
``QuestionVersion`` rows, so an attempt keeps exactly the wording and key it was shown.
An ``ExamSession`` offers a ``Blueprint`` to an audience in a window; each sitting is an
``Attempt`` whose ``AttemptQuestion`` slots hold the version, the shuffled option order,
the saved response and the score. ``Result`` is the one grading outcome per attempt
(a unique constraint makes the grading task idempotent); ``ExamGrade`` is a person's
grade for a session under its grading method; ``Certificate`` carries the verification
code.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import qtypes
from .qtypes import QuestionType

# The type codes live with their handlers (``exams.qtypes``), the one place that knows
# what each type does; these names stay importable from here.
CHOICE_TYPES = qtypes.codes_where(shape="choice")
MULTI_SELECT_TYPES = qtypes.codes_where(shape="choice", multi=True)


class Level(models.TextChoices):
    BASIC = "basic", _("Basic")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Category(models.Model):
    """A subject (no parent) or a topic under a subject."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="exams_uniq_category"
            )
        ]
        ordering = ["parent_id", "name"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def subtree_ids(self) -> list[int]:
        return [
            self.pk,
            *Category.objects.filter(parent=self).values_list("pk", flat=True),
        ]


class QuestionQuerySet(models.QuerySet):
    def active(self) -> QuestionQuerySet:
        return self.filter(is_active=True, current_version__isnull=False)


class Question(models.Model):
    """The stable identity of a question; content is in ``QuestionVersion``."""

    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("exam", "category"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    qtype = models.CharField(
        pgettext_lazy("exam", "type"), max_length=20, choices=QuestionType.choices
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BASIC
    )
    police_type = models.CharField(
        _("police branch"), max_length=30, blank=True, help_text=_("警种; empty = all")
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # The statute articles as written by the author ("刑法第二百六十四条"); resolved to
    # casebank articles (``articles``) when the casebank knows them.
    article_refs = models.JSONField(
        _("cited articles (text)"), default=list, blank=True
    )
    articles = models.ManyToManyField(
        "casebank.Article",
        verbose_name=pgettext_lazy("exam", "cited articles"),
        blank=True,
        related_name="exam_questions",
    )
    source = models.CharField(_("source"), max_length=50, blank=True)
    source_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_note = models.TextField(_("review note"), blank=True)
    current_version = models.ForeignKey(
        "QuestionVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("exam", "question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["category", "qtype", "difficulty"])]

    def __str__(self) -> str:
        stem = self.current_version.stem if self.current_version_id else ""
        return f"#{self.pk} {stem[:40]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("exams:question_edit", args=[self.pk])

    @property
    def title(self) -> str:
        return str(self)

    @property
    def owner(self):
        return self.created_by


class QuestionVersion(models.Model):
    """Immutable content of one version: stem, options, key, analysis, case parts.

    ``options``: [{"key": "A", "text": ...}]. ``answer``: a list of option keys for the
    choice types, a list of accepted-answer lists (one per blank) for fill-in, and ``[]``
    for a case (its parts carry their own). ``parts`` (case analysis): [{"key": "1",
    "kind": "single|multiple|essay", "stem", "options", "answer", "weight", "rubric":
    [{"text", "points"}]}].
    """

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(default=1)
    stem = models.TextField(_("stem"))
    material = models.TextField(_("case material"), blank=True)
    options = models.JSONField(default=list, blank=True)
    answer = models.JSONField(default=list, blank=True)
    analysis = models.TextField(_("analysis"), blank=True)
    parts = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question version")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="exams_uniq_question_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        self.content_hash = self.compute_hash()
        super().save(*args, **kwargs)

    def compute_hash(self) -> str:
        payload = json.dumps(
            [
                self.stem,
                self.material,
                self.options,
                self.answer,
                self.analysis,
                self.parts,
            ],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def max_weight(self) -> Decimal:
        """The raw points of a case question (sum of part weights); 1 otherwise."""
        return qtypes.get(self.question.qtype).max_weight(self)


class Blueprint(models.Model):
    """组卷: rows of (category × type × difficulty → count, points), or a fixed paper."""

    class Mode(models.TextChoices):
        RANDOM = "random", _("Drawn per candidate")
        FIXED = "fixed", _("Fixed paper")

    name = models.CharField(_("name"), max_length=200)
    mode = models.CharField(
        _("mode"), max_length=10, choices=Mode.choices, default=Mode.RANDOM
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("blueprint")

    def __str__(self) -> str:
        return self.name

    def total_points(self) -> Decimal:
        if self.mode == self.Mode.FIXED:
            return sum((i.points for i in self.items.all()), Decimal(0))
        return sum((r.points * r.count for r in self.rows.all()), Decimal(0))

    def question_count(self) -> int:
        if self.mode == self.Mode.FIXED:
            return self.items.count()
        return sum(r.count for r in self.rows.all())


class BlueprintRow(models.Model):
    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="rows"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("exam", "category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the whole bank"),
    )
    qtype = models.CharField(
        pgettext_lazy("exam", "type"), max_length=20, choices=QuestionType.choices
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True, help_text=_("Empty: any difficulty")
    )
    count = models.PositiveIntegerField(_("count"), validators=[MinValueValidator(1)])
    points = models.DecimalField(_("points each"), max_digits=6, decimal_places=2)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        where = self.category or _("whole bank")
        return f"{where} {self.get_qtype_display()} ×{self.count}"


class BlueprintItem(models.Model):
    """One question of a fixed paper."""

    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="items"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint", "question"], name="exams_uniq_fixed_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.blueprint_id}: {self.question_id}"


class ExamSession(models.Model):
    """An exam (or practice set) offered to an audience in a window."""

    class Kind(models.TextChoices):
        EXAM = "exam", _("Exam")
        PRACTICE = "practice", _("Practice")

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")
        AVERAGE = "average", _("Average of attempts")

    class ReviewWhen(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("Immediately after submitting")
        AFTER_CLOSE = "after_close", _("After the session closes")
        NEVER = "never", _("Never")

    class MultipleScoring(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        PARTIAL = (
            "partial",
            _("Partial credit for a correct subset; any wrong option scores 0"),
        )
        PER_OPTION = "per_option", _("Per option (each right decision earns a share)")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.EXAM
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, blank=True
    )
    description = models.TextField(_("instructions"), blank=True)
    blueprint = models.ForeignKey(
        Blueprint, verbose_name=_("blueprint"), on_delete=models.PROTECT
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), default=60
    )
    attempts_allowed = models.PositiveIntegerField(_("attempts allowed"), default=1)
    grading_method = models.CharField(
        _("grading method"),
        max_length=10,
        choices=GradingMethod.choices,
        default=GradingMethod.HIGHEST,
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    multiple_scoring = models.CharField(
        _("multiple-choice scoring"),
        max_length=12,
        choices=MultipleScoring.choices,
        default=MultipleScoring.PARTIAL,
    )
    review_score = models.CharField(
        _("score shown"),
        max_length=15,
        choices=ReviewWhen.choices,
        default=ReviewWhen.AFTER_CLOSE,
    )
    review_answers = models.CharField(
        _("answers and analyses shown"),
        max_length=15,
        choices=ReviewWhen.choices,
        default=ReviewWhen.AFTER_CLOSE,
    )
    access_code = models.CharField(_("access code"), max_length=30, blank=True)
    allowed_networks = models.TextField(
        _("allowed client networks"),
        blank=True,
        help_text=_("CIDRs, one per line; empty allows any"),
    )
    audience_units = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("units (with sub-units)"),
        blank=True,
        related_name="+",
    )
    audience_roles = models.JSONField(_("roles"), default=list, blank=True)
    audience_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named people"),
        blank=True,
        related_name="+",
    )
    credit_hours = models.DecimalField(
        _("credit hours on passing"), max_digits=5, decimal_places=1, default=Decimal(0)
    )
    issue_certificate = models.BooleanField(_("issue a certificate"), default=False)
    second_marking = models.BooleanField(_("second marker required"), default=False)
    marking_margin = models.DecimalField(
        _("adjudication margin (points)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(2),
    )
    is_published = models.BooleanField(_("published"), default=True)
    statistics = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("exam session")
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class ExamOverride(models.Model):
    """Per-person accommodation: extra time, extra attempts, a later window (make-up)."""

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="overrides"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    extra_minutes = models.PositiveIntegerField(_("extra minutes"), default=0)
    extra_attempts = models.PositiveIntegerField(_("extra attempts"), default=0)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    reason = models.CharField(
        pgettext_lazy("exam", "reason"), max_length=200, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="exams_uniq_override"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.user_id}"


class AttemptStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    IN_PROGRESS = "in_progress", pgettext_lazy("exam", "In progress")
    SUBMITTED = "submitted", _("Submitted")
    MARKING = "marking", _("Awaiting marking")
    GRADED = "graded", _("Graded")
    # A prepared paper of someone no longer in the session's audience (never started).
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Attempt(models.Model):
    session = models.ForeignKey(
        ExamSession, on_delete=models.PROTECT, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts"
    )
    number = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PREPARED
    )
    # Anonymous handle shown to markers instead of the person.
    anon_code = models.CharField(max_length=12, unique=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by_sweep = models.BooleanField(default=False)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    last_seq = models.BigIntegerField(default=0)
    last_saved_at = models.DateTimeField(null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user", "number"], name="exams_uniq_attempt"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id}#{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self.anon_code:
            self.anon_code = secrets.token_hex(5).upper()
        super().save(*args, **kwargs)


class AttemptQuestion(models.Model):
    """One slot of an attempt's paper: the version shown, its order, response and score."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=6, decimal_places=2)
    # Original option keys in display order; for a case, {part_key: [keys]}.
    option_order = models.JSONField(default=list)
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # Practice: when the candidate asked for feedback on this question (its answer is
    # then locked and its key and analysis may be shown).
    checked_at = models.DateTimeField(null=True, blank=True)
    # The candidate's own "come back to this" mark (the palette's flagged state): kept
    # with the attempt so it survives a reload or a change of device.
    flagged = models.BooleanField(default=False)
    auto_score = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    manual_score = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    needs_marking = models.BooleanField(default=False)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "order"], name="exams_uniq_slot")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.order}"

    def essay_is_empty(self) -> bool:
        return qtypes.get(self.version.question.qtype).essay_is_empty(
            self.version, self.response
        )


class Result(models.Model):
    """The grading outcome of one attempt: exactly one per attempt."""

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, related_name="result"
    )
    score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    passed = models.BooleanField(null=True)
    final = models.BooleanField(default=False)
    graded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("exam", "result")

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.percent}%"


class MarkingTask(models.Model):
    """A marker's scoring of the subjective parts of one slot (round 1, 2, or 3 = adjudication)."""

    slot = models.ForeignKey(
        AttemptQuestion, on_delete=models.CASCADE, related_name="marking_tasks"
    )
    round = models.PositiveSmallIntegerField(default=1)
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.JSONField(
        default=dict, blank=True
    )  # {part_key: [points per rubric item]}
    total = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "round"], name="exams_uniq_marking_round"
            )
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.slot_id} r{self.round}"


class QuestionAdjustment(models.Model):
    """A voided question in a session: everyone gets full marks, or it leaves the total."""

    class Mode(models.TextChoices):
        FULL_MARKS = "full", _("Full marks for everyone")
        REMOVE = "remove", _("Removed from the total")

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="adjustments"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "question"], name="exams_uniq_adjustment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.question_id} {self.mode}"


class ExamGrade(models.Model):
    """A person's grade for a session under its grading method."""

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="grades"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_grades"
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    passed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="exams_uniq_grade")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id}: {self.percent}%"


def _verification_code() -> str:
    return uuid.uuid4().hex[:12].upper()


class Certificate(models.Model):
    session = models.ForeignKey(
        ExamSession, on_delete=models.PROTECT, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="exam_certificates",
    )
    code = models.CharField(max_length=16, unique=True, default=_verification_code)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked = models.BooleanField(default=False)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="exams_uniq_certificate"
            )
        ]

    def __str__(self) -> str:
        return self.code
