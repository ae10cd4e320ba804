"""The training record ledger: learning events shaped like xAPI statements, and credit
hours (学时). Both are append-only and written only through ``records.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class LearningEvent(models.Model):
    """One statement: actor · verb · object, with a result and the actor's unit then."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="learning_events")
    verb = models.CharField(_("verb"), max_length=20, choices=Verb.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64)
    object_name = models.CharField(_("object"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    context_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    timestamp = models.DateTimeField(_("time"), db_index=True)
    stored_at = models.DateTimeField(auto_now_add=True)
    # Set when the same statement may be sent twice (retries, double clicks): the unique
    # constraint turns the second write into a no-op.
    idempotency_key = models.CharField(max_length=128, unique=True, null=True, blank=True)
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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_entries")
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    category = models.CharField(_("category"), max_length=20, choices=CreditCategory.choices)
    year = models.PositiveIntegerField(_("year"), db_index=True)
    source_type = models.CharField(_("source type"), max_length=50)
    source_id = models.CharField(_("source id"), max_length=64)
    source_name = models.CharField(_("source"), max_length=255, blank=True)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    earned_at = models.DateTimeField(_("earned at"))
    # Hours requested before a yearly cap cut them down, for the record page to explain.
    requested_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        constraints = [
            models.UniqueConstraint(fields=["user", "source_type", "source_id"], name="uniq_credit_per_source"),
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
    title = models.CharField(_("title"), max_length=255)
    category = models.CharField(_("category"), max_length=20, choices=CreditCategory.choices, default=CreditCategory.OTHER)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, default=0)
    url = models.CharField(_("link"), max_length=255, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("tracked item")
        verbose_name_plural = _("tracked items")
        constraints = [models.UniqueConstraint(fields=["item_type", "item_id"], name="uniq_tracked_item")]

    def __str__(self) -> str:
        return self.title


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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey(TrackedItem, on_delete=models.CASCADE, related_name="assignments")
    period = models.CharField(_("period"), max_length=10, blank=True, default="")
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(_("source"), max_length=20, default="audience")  # audience / self / manual
    status = models.CharField(_("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    progress = models.FloatField(_("progress"), default=0.0)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["user", "item", "period"], name="uniq_assignment")]
        indexes = [models.Index(fields=["item", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.item_id} ({self.status})"
