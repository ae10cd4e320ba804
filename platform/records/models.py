"""The training record ledger: learning events shaped like xAPI statements, and credit
hours (学时). Both are append-only and written only through ``records.services``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LEDGER_APPEND_ONLY = "The training record ledger is append-only."


class Verb(models.TextChoices):
    """A subset of the ADL xAPI verbs (http://adlnet.gov/expapi/verbs/...)."""

    REGISTERED = "registered", _("registered")
    LAUNCHED = "launched", _("launched")
    EXPERIENCED = "experienced", _("experienced")
    PROGRESSED = "progressed", _("progressed")
    ANSWERED = "answered", _("answered")
    COMPLETED = "completed", _("completed")
    ATTEMPTED = "attempted", _("attempted")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")
    ATTENDED = "attended", _("attended")
    SCORED = "scored", _("scored")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(LEDGER_APPEND_ONLY)

    def delete(self):
        raise PermissionError(LEDGER_APPEND_ONLY)

    def mark_exported(self, when) -> int:
        """Set ``exported_at``: the one write allowed on ledger rows. The bookmark is not
        part of the record; it says which statements an LRS has acknowledged."""
        return super().update(exported_at=when)


class LearningEvent(models.Model):
    """One statement: actor · verb · object, with a result and the actor's unit then."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="learning_events",
    )
    verb = models.CharField(_("verb"), max_length=20, choices=Verb.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64)
    object_name = models.CharField(_("object"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    context_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    timestamp = models.DateTimeField(_("time"), db_index=True)
    stored_at = models.DateTimeField(auto_now_add=True)
    # Set when the same statement may be sent twice (retries, double clicks): the unique
    # constraint turns the second write into a no-op.
    idempotency_key = models.CharField(
        max_length=128, unique=True, null=True, blank=True
    )
    exported_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning event")
        verbose_name_plural = _("learning events")
        indexes = [models.Index(fields=["actor", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.object_type}:{self.object_id}"


class CreditCategory(models.TextChoices):
    LAW = "law", _("Laws and regulations")
    ENFORCEMENT = "enforcement", _("Law-enforcement standards")
    CASE_STUDY = "case_study", _("Case studies")
    POLICE_BUSINESS = "police_business", _("Police operations")
    EXAM = "exam", _("Examinations")
    OFFLINE = "offline", _("Offline training")
    OTHER = "other", _("Other")


class CreditEntry(models.Model):
    """Credit hours (学时) earned from one source. One entry per (person, source)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    category = models.CharField(
        _("category"), max_length=20, choices=CreditCategory.choices
    )
    year = models.PositiveIntegerField(_("year"), db_index=True)
    source_type = models.CharField(_("source type"), max_length=50)
    source_id = models.CharField(_("source id"), max_length=64)
    source_name = models.CharField(_("source"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    earned_at = models.DateTimeField(_("earned at"))
    # Hours requested before a yearly cap cut them down, for the record page to explain.
    requested_hours = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    # The ledger is never edited: a credit withdrawn (a regrade turned a pass into a
    # fail, a result voided, a certificate revoked) gets a reversal entry with the
    # negative hours, and a later credit for the same source is a new entry. ``seq``
    # numbers the entries of one (person, source).
    seq = models.PositiveIntegerField(default=0)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # Who approved the credit; empty for credits that rules decide (a course's
    # completion rules, an exam's result).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source_type", "source_id", "seq"],
                name="uniq_credit_per_source_seq",
            ),
        ]
        indexes = [models.Index(fields=["user", "year", "category"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.hours}h {self.source_type}:{self.source_id}"


class TrackedItem(models.Model):
    """Something a person can be required to complete: a course, an exam, a 会前学法
    requirement. Domain apps upsert these through ``records.services`` so that reports
    read one table and know nothing of courses or exams."""

    item_type = models.CharField(_("type"), max_length=30)
    item_id = models.CharField(_("id"), max_length=64)
    title = models.CharField(pgettext_lazy("records", "title"), max_length=255)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CreditCategory.choices,
        default=CreditCategory.OTHER,
    )
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, default=0)
    url = models.CharField(_("link"), max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    # When the person may see their result (score, pass, the hours and certificate it
    # brings): decided by the owning app's review policy (exams.review.ReviewPolicy)
    # and asked by every records surface the person sees.
    result_release = models.CharField(
        max_length=10,
        choices=[("always", "always"), ("from", "from"), ("never", "never")],
        default="always",
    )
    result_release_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tracked item")
        verbose_name_plural = _("tracked items")
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "item_id"], name="uniq_tracked_item"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def result_visible(self, now=None) -> bool:
        """May the person see their result of this item (score, pass) now?"""
        if self.result_release == "never":
            return False
        if self.result_release == "from":
            return self.result_release_at is not None and (now or timezone.now()) >= (
                self.result_release_at
            )
        return True


RULE_NEEDS_CRITERION = _(
    "Give at least one of unit, role, post, police type or a named person."
)


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WAIVED = "waived", _("Waived")


class Assignment(models.Model):
    """A person's assignment to a tracked item for a period ("" or a year such as "2026").

    Completion and progress are kept when the person leaves the audience: the assignment
    is then marked not required instead of being deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    item = models.ForeignKey(
        TrackedItem, on_delete=models.CASCADE, related_name="assignments"
    )
    period = models.CharField(_("period"), max_length=10, blank=True, default="")
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(
        _("source"), max_length=20, default="audience"
    )  # audience / self / manual
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    progress = models.FloatField(_("progress"), default=0.0)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.DecimalField(
        _("score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # What the completion rests on, written by the app that owns the item: for a course
    # {"seconds": n, "lessons": [{"title", "seconds", "min_seconds", "videos",
    # "practice": [right, total], "met"}, ...]}. Shown on the record page.
    evidence = models.JSONField(_("completion evidence"), default=dict, blank=True)
    # A waiver (status WAIVED) and an individual extension are decisions about this one
    # person; re-syncing the audience keeps both (records.services.assignment_sync).
    waiver_reason = models.CharField(_("waiver reason"), max_length=255, blank=True)
    extended_until = models.DateTimeField(_("extended until"), null=True, blank=True)
    extension_reason = models.CharField(
        _("extension reason"), max_length=255, blank=True
    )

    # Not stored: True on a copy masked for its person while the result is unreleased
    # (records.selectors._mask_result).
    result_hidden: bool = False

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item", "period"], name="uniq_assignment"
            )
        ]
        indexes = [
            models.Index(fields=["item", "status"]),
            models.Index(fields=["user", "status"]),
            # Covering indexes for the unit reports: each report scan reads an index
            # alone instead of the table (see records.selectors.unit_report).
            models.Index(
                fields=[
                    "user",
                    "required",
                    "period",
                    "item",
                    "status",
                    "due_at",
                    "completed_at",
                    "passed",
                ],
                name="asg_report_by_user",
            ),
            models.Index(
                fields=[
                    "item",
                    "required",
                    "period",
                    "user",
                    "status",
                    "due_at",
                    "completed_at",
                    "passed",
                ],
                name="asg_report_by_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.item_id} ({self.status})"

    @property
    def is_waived(self) -> bool:
        return self.status == AssignmentStatus.WAIVED


class AssignmentRule(models.Model):
    """Who must complete a tracked item (a course, an exam, a guideline to read): people
    matching every criterion given (unit, with or without its subunits; role; post;
    警种), or one named person. An item's audience is the union of its rules, recomputed
    when a person changes unit, role, post or 警种 (records.signals)."""

    item = models.ForeignKey(
        TrackedItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    include_subunits = models.BooleanField(_("include subunits"), default=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    post = models.ForeignKey(
        "accounts.Post",
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    police_type = models.ForeignKey(
        "accounts.PoliceType",
        verbose_name=_("police type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        indexes = [models.Index(fields=["item"])]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.describe()}"

    def clean(self) -> None:
        if not (
            self.unit_id
            or self.role
            or self.post_id
            or self.police_type_id
            or self.person_id
        ):
            raise ValidationError(RULE_NEEDS_CRITERION, code="no_criterion")

    def describe(self) -> str:
        """The rule in words, e.g. "东城分局（含下级）· 民警 · 社区民警"."""
        from accounts.models import Role

        if self.person_id:
            return str(self.person)
        parts = []
        if self.unit_id:
            parts.append(
                f"{self.unit}{_('(with subunits)') if self.include_subunits else ''}"
            )
        if self.role:
            parts.append(str(dict(Role.choices).get(self.role, self.role)))
        if self.post_id:
            parts.append(str(self.post))
        if self.police_type_id:
            parts.append(str(self.police_type))
        return " · ".join(parts)

    def matches(self, user) -> bool:
        """Return True when ``user`` (an active person) falls under this rule."""
        if self.person_id:
            return self.person_id == user.pk
        if self.role and not user.has_role(self.role):
            return False
        if self.post_id and user.post_id != self.post_id:
            return False
        if self.police_type_id and user.police_type_id != self.police_type_id:
            return False
        if self.unit_id is None:
            return True
        if user.unit_id is None:
            return False
        if self.include_subunits:
            # Both ids are set (checked above): neither unit is None.
            user_unit, rule_unit = user.unit, self.unit
            if user_unit is None or rule_unit is None:
                return False
            return user_unit.path.startswith(rule_unit.path)
        return user.unit_id == self.unit_id


# Requirements and certifications -------------------------------------------------------


class RoleRequirement(models.Model):
    """A yearly training target for everyone holding ``role``.

    ``year`` empty means recurring: it applies to every year that has no row of its own.
    """

    role = models.CharField(_("role"), max_length=20)
    year = models.PositiveIntegerField(
        _("year"), null=True, blank=True, help_text=_("Empty: every year")
    )
    min_hours = models.DecimalField(
        _("minimum hours"), max_digits=6, decimal_places=2, default=0
    )
    # {"law": "10", "case_study": "6"}: minimum hours per CreditCategory.
    category_minimums = models.JSONField(
        _("minimum hours per category"), default=dict, blank=True
    )
    # Item types that must be completed (passed, for exams) each year, e.g. ["exam_qualification"].
    required_item_types = models.JSONField(
        _("required item types"), default=list, blank=True
    )
    required_items = models.ManyToManyField(
        TrackedItem,
        blank=True,
        related_name="requirements",
        verbose_name=_("required items"),
    )
    pre_meeting_study_min = models.PositiveIntegerField(
        _("pre-meeting study sessions"), default=0
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("role requirement")
        verbose_name_plural = _("role requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "year"], name="uniq_role_requirement_year"
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=models.Q(year__isnull=True),
                name="uniq_role_requirement_recurring",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.year or '*'} ≥{self.min_hours}h"

    @property
    def role_label(self) -> str:
        from accounts.models import Role

        return str(dict(Role.choices).get(self.role, self.role))

    @property
    def category_minimum_labels(self) -> list[tuple[str, str]]:
        """(category name, hours) pairs for display, in the order stored."""
        names = dict(CreditCategory.choices)
        return [
            (str(names.get(code, code)), hours)
            for code, hours in (self.category_minimums or {}).items()
        ]

    @property
    def required_item_type_labels(self) -> list[str]:
        from .selectors import item_type_display

        return [item_type_display(code) for code in self.required_item_types or []]


class CertificationKind(models.TextChoices):
    LEGAL_OFFICER = "legal_officer", _("Legal officer qualification")
    ENFORCEMENT = "enforcement", _("Law-enforcement qualification level")
    OTHER = "other", _("Other certificate")


class Certification(models.Model):
    """A qualification held by a person (法制员资格, 执法资格等级...) that may expire."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificationKind.choices)
    level = models.CharField(
        pgettext_lazy("records", "level"), max_length=30, blank=True
    )
    issued_at = models.DateField(_("issued"))
    expires_at = models.DateField(_("expires"), null=True, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "level", "issued_at"], name="uniq_certification"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.level}".strip()

    def is_valid_on(self, day) -> bool:
        """Return True when the certification is in force on ``day`` (inclusive)."""
        return self.issued_at <= day and (
            self.expires_at is None or day <= self.expires_at
        )

    def expires_within(self, day, days: int) -> bool:
        """Return True when still valid on ``day`` but expiring within ``days`` days."""
        from datetime import timedelta

        return (
            self.is_valid_on(day)
            and self.expires_at is not None
            and self.expires_at <= day + timedelta(days=days)
        )


# Offline training ------------------------------------------------------------------------


def evidence_upload_to(instance: OfflineActivity, filename: str) -> str:
    """Store evidence under an unguessable name (the original extension is kept)."""
    import uuid
    from pathlib import Path

    from django.utils import timezone

    return f"records/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


class OfflineKind(models.TextChoices):
    COURT_HEARING = "court_hearing", _("Court hearing")
    PROSECUTOR_LECTURE = "prosecutor_lecture", _("Lecture by a prosecutor")
    JUDGE_LECTURE = "judge_lecture", _("Lecture by a judge")
    FIELD_EXERCISE = "field_exercise", _("Field exercise")
    OTHER = "other", _("Other")


class OfflineStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OfflineActivity(models.Model):
    """Training done outside the platform, credited once a unit admin approves it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="offline_activities",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OfflineKind.choices)
    title = models.CharField(pgettext_lazy("records", "title"), max_length=200)
    occurred_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CreditCategory.choices,
        default=CreditCategory.OFFLINE,
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_upload_to, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OfflineStatus.choices,
        default=OfflineStatus.PENDING,
        db_index=True,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    group_key = models.CharField(max_length=40, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("offline training")
        verbose_name_plural = _("offline training")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return self.title


# Notifications -------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    DIGEST = "digest", _("Weekly digest")
    CERT_EXPIRING = "cert_expiring", _("Certification expiring")
    OFFLINE_REVIEWED = "offline_reviewed", _("Offline training reviewed")
    RESULT_CHANGED = "result_changed", _("Result changed")
    EXPORT_READY = "export_ready", _("Export ready")
    SUPERVISION = "supervision", _("Reminder from a leader")


class Notification(models.Model):
    """An in-app message. The unique constraints make each reminder go out once per
    (person, kind, item, period), however often the beat job runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    item = models.ForeignKey(
        TrackedItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(_("period"), max_length=40, blank=True, default="")
    title = models.CharField(pgettext_lazy("records", "title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "item", "period"], name="uniq_notification"
            ),
            # NULLs are distinct in a unique index, so item-less kinds need their own.
            models.UniqueConstraint(
                fields=["user", "kind", "period"],
                condition=models.Q(item__isnull=True),
                name="uniq_notification_no_item",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# Exports -------------------------------------------------------------------------------


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A report export generated in the background; only its requester may download it."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    report = models.CharField(_("report"), max_length=30)
    params = models.JSONField(default=dict, blank=True)
    fmt = models.CharField(_("format"), max_length=5, default="xlsx")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.PENDING,
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=255, blank=True)  # relative to MEDIA_ROOT
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report}.{self.fmt} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            100
            if self.status == ExportStatus.DONE
            else int(100 * self.progress / self.total)
            if self.total
            else 0
        )
