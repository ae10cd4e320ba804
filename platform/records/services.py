"""Writes to the training record ledger. Idempotent: a retry or a double completion
gives one event and one credit entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log

from .models import (
    Assignment,
    AssignmentRule,
    AssignmentStatus,
    Certification,
    CreditEntry,
    ExportJob,
    ExportStatus,
    LearningEvent,
    Notification,
    NotificationKind,
    OfflineActivity,
    OfflineStatus,
    TrackedItem,
)


def learning_event_record(
    *,
    actor: Any,
    verb: str,
    object_type: str,
    object_id: str | int,
    object_name: str = "",
    result: dict[str, Any] | None = None,
    timestamp: datetime | None = None,
    idempotency_key: str | None = None,
) -> LearningEvent:
    """Append a learning event and return it.

    With ``idempotency_key``, a second call with the same key returns the first event
    unchanged instead of writing another.
    """
    if idempotency_key:
        existing = LearningEvent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    event = LearningEvent(
        actor=actor,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        object_name=object_name[:255],
        result=result or {},
        context_unit_id=getattr(actor, "unit_id", None),
        timestamp=timestamp or timezone.now(),
        idempotency_key=idempotency_key,
    )
    event.full_clean()
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        if not idempotency_key:
            raise
        return LearningEvent.objects.get(idempotency_key=idempotency_key)
    return event


def _source_entries(user: Any, source_type: str, source_id: str):
    return CreditEntry.objects.filter(
        user=user, source_type=source_type, source_id=source_id
    ).order_by("-seq")


def credit_hours(
    *,
    user: Any,
    hours: Decimal | float | str,
    category: str,
    source_type: str,
    source_id: str | int,
    source_name: str = "",
    earned_at: datetime | None = None,
    yearly_cap: Decimal | None = None,
    yearly_cap_source_type: str | None = None,
    approved_by: Any = None,
) -> tuple[CreditEntry, bool]:
    """Credit ``hours`` to ``user`` for one source, once. Return (entry, created).

    ``yearly_cap`` limits the hours of ``category`` credited in the year of ``earned_at``;
    what exceeds it is not credited (the entry keeps the requested figure). With
    ``yearly_cap_source_type`` only credits of that source type count against the cap.
    ``approved_by`` is the person who approved it (None: decided by rules). A source
    whose credit was reversed (``credit_reverse``) may be credited again: a new entry.
    """
    earned_at = earned_at or timezone.now()
    year = timezone.localtime(earned_at).year
    requested = Decimal(str(hours))
    source_id = str(source_id)
    latest = _source_entries(user, source_type, source_id).first()
    if latest is not None and latest.reverses_id is None:
        return latest, False
    granted = requested
    if yearly_cap is not None:
        counted = CreditEntry.objects.filter(user=user, category=category, year=year)
        if yearly_cap_source_type:
            counted = counted.filter(source_type=yearly_cap_source_type)
        already = counted.aggregate(total=models.Sum("hours"))["total"] or Decimal(0)
        granted = max(Decimal(0), min(requested, Decimal(yearly_cap) - already))
    entry = CreditEntry(
        user=user,
        hours=granted,
        requested_hours=requested if granted != requested else None,
        category=category,
        year=year,
        source_type=source_type,
        source_id=source_id,
        source_name=source_name[:255],
        unit_id=getattr(user, "unit_id", None),
        earned_at=earned_at,
        seq=latest.seq + 1 if latest is not None else 0,
        approved_by=approved_by,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return _source_entries(user, source_type, source_id).first(), False
    return entry, True


def credit_reverse(
    *,
    user: Any,
    source_type: str,
    source_id: str | int,
    reason: str,
    actor: Any = None,
) -> CreditEntry | None:
    """Withdraw the credit of one source with a reversal entry (negative hours, same
    category and year, pointing at the entry it reverses); the ledger is never
    edited. Return the reversal, or None when nothing stands credited."""
    source_id = str(source_id)
    latest = _source_entries(user, source_type, source_id).first()
    if latest is None or latest.reverses_id is not None:
        return None
    reversal = CreditEntry(
        user=user,
        hours=-latest.hours,
        category=latest.category,
        year=latest.year,
        source_type=source_type,
        source_id=source_id,
        source_name=latest.source_name,
        unit_id=latest.unit_id,
        earned_at=timezone.now(),
        seq=latest.seq + 1,
        reverses=latest,
        reason=reason[:255],
        approved_by=actor,
    )
    reversal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError:
        return None
    audit_log(
        action="records.credit_reverse",
        actor=actor,
        target=reversal,
        details={
            "source": f"{source_type}:{source_id}",
            "hours": str(latest.hours),
            "reason": reason,
        },
    )
    return reversal


# Assignments ------------------------------------------------------------------------


def tracked_item_upsert(
    *,
    item_type: str,
    item_id: str | int,
    title: str,
    category: str = "other",
    hours: Decimal | float | str = 0,
    url: str = "",
    is_active: bool = True,
    result_release: tuple[str, datetime | None] = ("always", None),
) -> TrackedItem:
    """Create or update the tracked item for (item_type, item_id) and return it.

    ``result_release`` says when the person may see their result: ("always", None),
    ("from", when) or ("never", None); the owning app's review policy decides it."""
    item, _ = TrackedItem.objects.update_or_create(
        item_type=item_type,
        item_id=str(item_id),
        defaults={
            "title": title[:255],
            "category": category,
            "hours": Decimal(str(hours)),
            "url": url,
            "is_active": is_active,
            "result_release": result_release[0],
            "result_release_at": result_release[1],
        },
    )
    return item


@transaction.atomic
def assignment_sync(
    *,
    item: TrackedItem,
    users: Iterable[Any],
    due_at: datetime | None = None,
    period: str = "",
    source: str = "audience",
) -> tuple[int, int]:
    """Make ``users`` exactly the required audience of ``item`` for ``period``.

    New members get an assignment; members who already have one keep its progress (and
    it becomes required again); people no longer in the audience keep their assignment,
    marked not required, so nothing they did is lost. Return (added, released).
    """
    wanted = {u.pk for u in users}
    existing = {
        a.user_id: a for a in Assignment.objects.filter(item=item, period=period)
    }
    to_create = [
        Assignment(
            user_id=pk,
            item=item,
            period=period,
            due_at=due_at,
            source=source,
            required=True,
        )
        for pk in wanted - existing.keys()
    ]
    Assignment.objects.bulk_create(to_create, batch_size=1000, ignore_conflicts=True)
    # An individual extension outlives re-syncs: only the others follow the new date.
    staying = Assignment.objects.filter(
        item=item, period=period, user_id__in=wanted & existing.keys()
    )
    staying.filter(extended_until__isnull=True).update(required=True, due_at=due_at)
    staying.filter(extended_until__isnull=False).update(required=True)
    released = [
        pk
        for pk, a in existing.items()
        if pk not in wanted and a.required and a.source == source
    ]
    Assignment.objects.filter(item=item, period=period, user_id__in=released).update(
        required=False
    )
    return len(to_create), len(released)


def assignment_get_or_create(
    *,
    user: Any,
    item: TrackedItem,
    period: str = "",
    source: str = "self",
    required: bool = False,
    due_at: datetime | None = None,
) -> Assignment:
    """Return the person's assignment to ``item``, creating an elective one if needed."""
    assignment, _ = Assignment.objects.get_or_create(
        user=user,
        item=item,
        period=period,
        defaults={"source": source, "required": required, "due_at": due_at},
    )
    return assignment


@transaction.atomic
def assignment_require(
    *,
    user: Any,
    item: TrackedItem,
    due_at: datetime,
    period: str = "",
    source: str = "manual",
) -> Assignment:
    """Make ``item`` required for ``user`` by ``due_at`` and return the assignment.

    A new assignment is created with ``source``; an existing one keeps its progress,
    source and completion, becomes required, and keeps the earlier of its due date and
    ``due_at``.
    """
    assignment, created = Assignment.objects.select_for_update().get_or_create(
        user=user,
        item=item,
        period=period,
        defaults={"source": source, "required": True, "due_at": due_at},
    )
    if not created and (
        not assignment.required
        or assignment.due_at is None
        or assignment.due_at > due_at
    ):
        assignment.required = True
        if assignment.status != AssignmentStatus.COMPLETED:
            assignment.due_at = (
                min(assignment.due_at, due_at) if assignment.due_at else due_at
            )
        assignment.save(update_fields=["required", "due_at"])
    return assignment


def assignment_progress(
    *,
    user: Any,
    item: TrackedItem,
    progress: float,
    period: str = "",
    evidence: dict[str, Any] | None = None,
) -> Assignment:
    """Record progress (0..1) on an assignment; never moves a completed one backwards.

    ``evidence`` (the completion rules and where the person stands, e.g. engaged time
    per lesson) is kept on the assignment for the record page.
    """
    assignment = assignment_get_or_create(user=user, item=item, period=period)
    if assignment.status != AssignmentStatus.COMPLETED:
        assignment.progress = max(
            assignment.progress, min(1.0, max(0.0, float(progress)))
        )
        if assignment.status != AssignmentStatus.WAIVED:
            assignment.status = AssignmentStatus.IN_PROGRESS
        fields = ["progress", "status"]
        if evidence is not None:
            assignment.evidence = evidence
            fields.append("evidence")
        assignment.save(update_fields=fields)
    return assignment


def assignment_complete(
    *,
    user: Any,
    item: TrackedItem,
    completed_at: datetime | None = None,
    score: Decimal | float | None = None,
    passed: bool | None = None,
    period: str = "",
    evidence: dict[str, Any] | None = None,
) -> tuple[Assignment, bool]:
    """Mark the assignment completed once. Return (assignment, newly_completed).

    ``evidence`` is kept on the assignment (see ``assignment_progress``)."""
    with transaction.atomic():
        assignment = assignment_get_or_create(user=user, item=item, period=period)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status == AssignmentStatus.COMPLETED:
            return assignment, False
        assignment.status = AssignmentStatus.COMPLETED
        assignment.progress = 1.0
        assignment.completed_at = completed_at or timezone.now()
        assignment.score = Decimal(str(score)) if score is not None else None
        assignment.passed = passed
        if evidence is not None:
            assignment.evidence = evidence
        assignment.save()
    return assignment, True


@transaction.atomic
def assignment_result_set(
    *,
    user: Any,
    item: TrackedItem,
    score: Decimal | float | None,
    passed: bool,
    period: str = "",
    completed_at: datetime | None = None,
) -> tuple[Assignment, str]:
    """Make the assignment follow a (new) result: a pass completes it, a fail reopens
    a completed one (in progress, no completion date) and keeps the score.

    Return (assignment, change): "completed", "reopened", "updated" or "" (no change).
    """
    assignment = assignment_get_or_create(user=user, item=item, period=period)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    new_score = Decimal(str(score)) if score is not None else None
    change = ""
    if passed and assignment.status != AssignmentStatus.COMPLETED:
        assignment.status = AssignmentStatus.COMPLETED
        assignment.progress = 1.0
        assignment.completed_at = completed_at or timezone.now()
        change = "completed"
    elif not passed and assignment.status == AssignmentStatus.COMPLETED:
        assignment.status = AssignmentStatus.IN_PROGRESS
        assignment.completed_at = None
        change = "reopened"
    elif assignment.status == AssignmentStatus.ASSIGNED:
        assignment.status = AssignmentStatus.IN_PROGRESS
    if not change and (assignment.score, assignment.passed) != (new_score, passed):
        change = "updated"
    assignment.score = new_score
    assignment.passed = passed
    assignment.save()
    return assignment, change


# Requirements and certifications -------------------------------------------------------

CERTIFICATION_DATES = _("A certification cannot expire before it is issued.")


@transaction.atomic
def certification_record(
    *,
    user: Any,
    kind: str,
    level: str = "",
    issued_at: date,
    expires_at: date | None = None,
    source: str = "",
    source_id: str = "",
    actor: Any = None,
) -> tuple[Certification, bool]:
    """Record a certification once per (user, kind, level, issued_at); return (cert, created).

    Exams call this when a qualification exam is passed (``source="exam"``). Raise
    ``ValidationError`` when ``expires_at`` is before ``issued_at``.
    """
    if expires_at is not None and expires_at < issued_at:
        raise ValidationError(CERTIFICATION_DATES)
    cert, created = Certification.objects.get_or_create(
        user=user,
        kind=kind,
        level=level,
        issued_at=issued_at,
        defaults={
            "expires_at": expires_at,
            "source": source,
            "source_id": str(source_id),
        },
    )
    if created:
        audit_log(
            action="records.certification_record",
            actor=actor,
            target=cert,
            details={
                "user": user.pk,
                "kind": kind,
                "level": level,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return cert, created


# Offline training ------------------------------------------------------------------------

OFFLINE_NOT_PENDING = _("This activity has already been reviewed.")
OFFLINE_REASON_REQUIRED = _("Give a reason when rejecting.")
OFFLINE_NOT_YOUR_UNIT = _("This person is not in a unit you administer.")
OFFLINE_SELF_REVIEW = _("You cannot review your own activity.")
OFFLINE_GROUP_SELF = _(
    "You cannot register yourself in a group you register: another trainer or your "
    "unit admin must record your attendance."
)
OFFLINE_BAD_HOURS = _("Hours must be more than 0 and at most {max}.")
OFFLINE_FUTURE = _("The activity cannot be in the future.")
EVIDENCE_TOO_BIG = _("The evidence file is larger than {max_mb} MB.")
EVIDENCE_BAD_TYPE = _(
    "Evidence must be a photo (JPEG, PNG) or a document (PDF, Word); got “{name}”."
)

# Extension → the magic bytes the file must start with (a renamed .exe is refused).
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
}


def evidence_check(upload: Any) -> None:
    """Raise ``ValidationError`` unless ``upload`` is an allowed type (by extension and
    content) within RECORDS_EVIDENCE_MAX_BYTES."""
    max_bytes = getattr(settings, "RECORDS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    if upload.size > max_bytes:
        raise ValidationError(
            EVIDENCE_TOO_BIG.format(max_mb=max_bytes // (1024 * 1024))
        )
    suffix = Path(upload.name or "").suffix.lower()
    signatures = EVIDENCE_SIGNATURES.get(suffix)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not signatures or not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(EVIDENCE_BAD_TYPE.format(name=upload.name))


def _offline_validate(hours: Decimal, occurred_on: date) -> None:
    max_hours = Decimal(str(getattr(settings, "RECORDS_OFFLINE_MAX_HOURS", 40)))
    if not ZERO_HOURS < hours <= max_hours:
        raise ValidationError(OFFLINE_BAD_HOURS.format(max=max_hours))
    if occurred_on > timezone.localdate():
        raise ValidationError(OFFLINE_FUTURE)


ZERO_HOURS = Decimal(0)


@transaction.atomic
def offline_activity_submit(
    *,
    user: Any,
    kind: str,
    title: str,
    occurred_on: date,
    hours: Decimal,
    category: str = "offline",
    location: str = "",
    description: str = "",
    evidence: Any = None,
    request: Any = None,
) -> OfflineActivity:
    """Record an officer's offline training, pending review by their unit admin."""
    hours = Decimal(str(hours))
    _offline_validate(hours, occurred_on)
    if evidence is not None:
        evidence_check(evidence)
    activity = OfflineActivity(
        user=user,
        kind=kind,
        title=title,
        occurred_on=occurred_on,
        hours=hours,
        category=category,
        location=location,
        description=description,
    )
    if evidence is not None:
        activity.evidence = evidence
    activity.full_clean()
    activity.save()
    audit_log(
        action="records.offline_submit",
        actor=user,
        request=request,
        target=activity,
        details={"hours": str(hours), "kind": kind},
    )
    return activity


def offline_can_review(reviewer: Any, activity: OfflineActivity) -> bool:
    """Return True when ``reviewer`` administers a unit containing the activity's officer."""
    from accounts.models import Role
    from accounts.selectors import can_see_person

    if reviewer.pk == activity.user_id:
        return False
    if not reviewer.has_role(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        return False
    return can_see_person(reviewer, activity.user)


def offline_yearly_cap(user: Any, category: str, year: int) -> Decimal | None:
    """Return the most offline 学时 of ``category`` credited to ``user`` in ``year``:
    RECORDS_OFFLINE_YEARLY_CAP_BY_CATEGORY[category] when set, otherwise
    RECORDS_OFFLINE_YEARLY_CAP_SHARE (0.5) of the person's yearly target (the highest
    ``min_hours`` of their roles' requirements); None when neither applies."""
    caps = getattr(settings, "RECORDS_OFFLINE_YEARLY_CAP_BY_CATEGORY", {}) or {}
    if category in caps:
        return Decimal(str(caps[category]))
    share = getattr(settings, "RECORDS_OFFLINE_YEARLY_CAP_SHARE", 0.5)
    if share is None:
        return None
    from .selectors import person_targets

    target = person_targets(user, year).min_hours
    if not target:
        return None
    return (Decimal(str(target)) * Decimal(str(share))).quantize(Decimal("0.01"))


def _offline_credit(activity: OfflineActivity) -> None:
    tz = timezone.get_current_timezone()
    earned_at = datetime.combine(activity.occurred_on, time(12), tzinfo=tz)
    credit_hours(
        user=activity.user,
        hours=activity.hours,
        category=activity.category,
        source_type="offline",
        source_id=activity.pk,
        source_name=activity.title,
        earned_at=earned_at,
        yearly_cap=offline_yearly_cap(
            activity.user, activity.category, activity.occurred_on.year
        ),
        yearly_cap_source_type="offline",
        approved_by=activity.reviewed_by,
    )
    learning_event_record(
        actor=activity.user,
        verb="attended",
        object_type="offline_training",
        object_id=activity.pk,
        object_name=activity.title,
        result={"hours": str(activity.hours), "kind": activity.kind},
        timestamp=datetime.combine(activity.occurred_on, time(12), tzinfo=tz),
        idempotency_key=f"offline:{activity.pk}",
    )


def offline_activity_review(
    *,
    activity: OfflineActivity,
    reviewer: Any,
    approve: bool,
    reason: str = "",
    request: Any = None,
) -> OfflineActivity:
    """Approve (crediting the hours once) or reject (with a reason) a pending activity.

    Raise ``PermissionDenied`` when the reviewer may not review it (the refusal is
    audited), ``ValidationError`` when it is no longer pending or a rejection has no reason.
    """
    activity = OfflineActivity.objects.select_related("user").get(pk=activity.pk)
    if reviewer.pk == activity.user_id or not offline_can_review(reviewer, activity):
        audit_log(
            action="records.offline_review",
            actor=reviewer,
            request=request,
            target=activity,
            result="denied",
            details={"reason": "self" if reviewer.pk == activity.user_id else "scope"},
        )
        raise PermissionDenied(
            OFFLINE_SELF_REVIEW
            if reviewer.pk == activity.user_id
            else OFFLINE_NOT_YOUR_UNIT
        )
    return _offline_review(
        activity=activity,
        reviewer=reviewer,
        approve=approve,
        reason=reason,
        request=request,
    )


@transaction.atomic
def _offline_review(
    *,
    activity: OfflineActivity,
    reviewer: Any,
    approve: bool,
    reason: str,
    request: Any,
) -> OfflineActivity:
    activity = (
        OfflineActivity.objects.select_for_update()
        .select_related("user")
        .get(pk=activity.pk)
    )
    if activity.status != OfflineStatus.PENDING:
        raise ValidationError(OFFLINE_NOT_PENDING)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError(OFFLINE_REASON_REQUIRED)
    activity.status = OfflineStatus.APPROVED if approve else OfflineStatus.REJECTED
    activity.reviewed_by = reviewer
    activity.reviewed_at = timezone.now()
    activity.review_reason = reason[:500]
    activity.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"]
    )
    if approve:
        _offline_credit(activity)
    audit_log(
        action="records.offline_review",
        actor=reviewer,
        request=request,
        target=activity,
        details={"approved": approve, "reason": reason, "user": activity.user_id},
    )
    notification_send(
        user=activity.user,
        kind=NotificationKind.OFFLINE_REVIEWED,
        period=f"offline:{activity.pk}",
        title=activity.title,
        body=reason,
        url="/records/offline/",
    )
    return activity


@transaction.atomic
def offline_group_register(
    *,
    trainer: Any,
    people: list[Any],
    kind: str,
    title: str,
    occurred_on: date,
    hours: Decimal,
    category: str = "offline",
    location: str = "",
    request: Any = None,
) -> list[OfflineActivity]:
    """Register attendance of a whole group at once: approved and credited immediately
    (the trainer vouches for it). Idempotent per (group, person)."""
    import hashlib

    hours = Decimal(str(hours))
    _offline_validate(hours, occurred_on)
    if any(person.pk == trainer.pk for person in people):
        raise PermissionDenied(OFFLINE_GROUP_SELF)
    group_key = hashlib.sha1(
        f"{kind}|{title}|{occurred_on}|{trainer.pk}".encode(), usedforsecurity=False
    ).hexdigest()[:40]
    existing = set(
        OfflineActivity.objects.filter(group_key=group_key).values_list(
            "user_id", flat=True
        )
    )
    created = []
    now = timezone.now()
    for person in people:
        if person.pk in existing:
            continue
        activity = OfflineActivity(
            user=person,
            kind=kind,
            title=title,
            occurred_on=occurred_on,
            hours=hours,
            category=category,
            location=location,
            status=OfflineStatus.APPROVED,
            registered_by=trainer,
            reviewed_by=trainer,
            reviewed_at=now,
            group_key=group_key,
        )
        activity.full_clean()
        activity.save()
        _offline_credit(activity)
        created.append(activity)
    audit_log(
        action="records.offline_group_register",
        actor=trainer,
        request=request,
        target_type="records.offlineactivity",
        target_id=group_key,
        target_repr=title,
        details={
            "people": [p.pk for p in people],
            "created": len(created),
            "hours": str(hours),
        },
    )
    return created


# Notifications ---------------------------------------------------------------------------


def notification_send(
    *,
    user: Any,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    item: TrackedItem | None = None,
    period: str = "",
    email: bool = True,
) -> Notification | None:
    """Create an in-app notification once per (user, kind, item, period) and e-mail it.

    Return the new notification, or None when it had already been sent (the unique
    constraints decide, so two beat runs racing each other still send one).
    """
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                user=user,
                kind=kind,
                item=item,
                period=period,
                title=title[:255],
                body=body,
                url=url,
            )
    except IntegrityError:
        return None
    address: str = getattr(user, "email", "")
    if email and address:
        from django.core.mail import send_mail

        base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
        send_mail(
            subject=title[:200],
            message=f"{body}\n\n{base}{url}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
            fail_silently=True,
        )
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return note


REMINDER_NOBODY = _("Choose at least one person to remind.")
REMINDER_OUT_OF_SCOPE = _("You can remind only people in your own units.")
REMINDER_TITLE = _("Reminder from %(sender)s: keep up with your training")
REMINDER_BODY = _(
    "You are behind with your required training. Open your training record to see "
    "what is due."
)
REMINDER_MAX_PEOPLE = 500


def reminders_send(
    *, sender: Any, people: Iterable[Any], note: str = "", request: Any = None
) -> int:
    """Send a reminder (督办) from ``sender`` to each of ``people``: an in-app
    notification and an e-mail, linked to the person's training record. Every person must
    lie in the sender's units (``accounts.selectors.visible_people``); the send is
    audited with who was reminded. Return how many were sent."""
    from accounts.selectors import visible_people

    ids = sorted({p.pk for p in people})[:REMINDER_MAX_PEOPLE]
    if not ids:
        raise ValidationError(REMINDER_NOBODY)
    allowed = list(visible_people(sender).filter(pk__in=ids).exclude(pk=sender.pk))
    if len(allowed) != len(ids):
        audit_log(
            action="records.reminder_sent",
            actor=sender,
            request=request,
            result="denied",
            details={"people": ids},
        )
        raise PermissionDenied(REMINDER_OUT_OF_SCOPE)
    now = timezone.now()
    period = f"reminder:{sender.pk}:{now:%Y%m%d%H%M%S%f}"[:40]
    title = REMINDER_TITLE % {"sender": sender.display_name}
    body = (note.strip()[:1000] + "\n\n" if note.strip() else "") + str(REMINDER_BODY)
    sent = 0
    for person in allowed:
        if notification_send(
            user=person,
            kind=NotificationKind.SUPERVISION,
            title=str(title),
            body=body,
            url=reverse("records:my_record"),
            period=period,
        ):
            sent += 1
    audit_log(
        action="records.reminder_sent",
        actor=sender,
        request=request,
        details={"people": ids, "sent": sent, "note": note.strip()[:200]},
    )
    return sent


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications (all, or ``ids``) read; return how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# Exports ---------------------------------------------------------------------------------


def export_job_create(
    *,
    requester: Any,
    report: str,
    unit_id: int,
    params: dict[str, Any],
    fmt: str,
    request: Any = None,
) -> ExportJob:
    """Queue a background export of ``report`` for ``requester`` (audited). The task
    re-checks the requester's scope when it runs."""
    from .exports import FORMATS, REPORTS, UNKNOWN_FORMAT, UNKNOWN_REPORT

    if report not in REPORTS:
        raise ValidationError(UNKNOWN_REPORT.format(name=report))
    if fmt not in FORMATS:
        raise ValidationError(UNKNOWN_FORMAT.format(fmt=fmt))
    with transaction.atomic():
        job = ExportJob.objects.create(
            requester=requester,
            report=report,
            fmt=fmt,
            params={**params, "unit": unit_id},
        )
        audit_log(
            action="records.export",
            actor=requester,
            request=request,
            target=job,
            details={
                "report": report,
                "fmt": fmt,
                "params": job.params,
                "background": True,
            },
        )
        from .tasks import export_job_run_task

        transaction.on_commit(lambda: export_job_run_task.delay(job_id=job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Generate the file of an export job, updating its progress; safe to run twice."""
    from .exports import report_table, write_table
    from .selectors import ReportFilter, report_unit_get

    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    if job.status == ExportStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=0)
    try:
        unit = report_unit_get(job.requester, job.params.get("unit"))
        flt = ReportFilter.from_query(job.params)
        table = report_table(job.report, viewer=job.requester, unit=unit, flt=flt)
        ExportJob.objects.filter(pk=job.pk).update(total=table.count)
        folder = Path(settings.MEDIA_ROOT) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        import secrets

        # Unguessable, in case MEDIA_ROOT is ever served directly; downloads go through
        # the requester-only view.
        name = f"exports/{job.pk}-{job.report}-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}.{job.fmt}"
        with open(Path(settings.MEDIA_ROOT) / name, "wb") as out:
            rows = write_table(
                table,
                job.fmt,
                out,
                title=job.report,
                progress=lambda n: ExportJob.objects.filter(pk=job.pk).update(
                    progress=n
                ),
            )
    except Exception as e:  # noqa: BLE001 - the job records any failure for its page
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(e)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        file=name,
        rows=rows,
        progress=rows,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    notification_send(
        user=job.requester,
        kind=NotificationKind.EXPORT_READY,
        period=f"export:{job.pk}",
        title=f"{job.report}.{job.fmt}",
        url=f"/records/exports/{job.pk}/",
        email=False,
    )
    return job


def requirement_assignments_sync(*, year: int) -> dict[str, int]:
    """Assign each item required by a role requirement in force in ``year`` to everyone
    holding such a role (period = the year, due at its end, source "requirement").

    Idempotent, and progress is never lost: people who no longer hold the role keep their
    assignment, marked not required (see ``assignment_sync``). Return counts.
    """
    from accounts.models import User

    from .selectors import requirements_for_year, year_bounds

    audiences: dict[int, set[str]] = {}
    items: dict[int, TrackedItem] = {}
    for role, req in requirements_for_year(year).items():
        for item in req.required_items.all():
            items[item.pk] = item
            audiences.setdefault(item.pk, set()).add(role)
    _start, end = year_bounds(year)
    added = released = 0
    for pk, roles in audiences.items():
        people = User.objects.filter(
            is_active=True, role_assignments__role__in=roles
        ).distinct()
        a, r = assignment_sync(
            item=items[pk],
            users=people,
            due_at=end - timedelta(seconds=1),
            period=str(year),
            source="requirement",
        )
        added += a
        released += r
    return {"items": len(items), "added": added, "released": released}


# Assignment rules, waivers and extensions ----------------------------------------------

WAIVER_REASON_REQUIRED = _("Give the reason for the waiver.")
EXTENSION_REASON_REQUIRED = _("Give the reason for the extension.")
EXTENSION_NOT_LATER = _("An extension must end after the current due date.")
WAIVER_OF_COMPLETED = _("A completed assignment cannot be waived.")
NOT_WAIVED = _("This assignment is not waived.")


def _enqueue_item_sync(item_pk: int) -> None:
    from .tasks import assignment_item_sync_task

    transaction.on_commit(
        lambda: assignment_item_sync_task.delay(item_pk),
        robust=True,
    )


@transaction.atomic
def assignment_rule_create(
    *, actor: Any, item: TrackedItem, request: Any = None, **criteria: Any
) -> AssignmentRule:
    """Create a rule assigning ``item`` (unit, include_subunits, role, post, police_type,
    person, due_at in ``criteria``), audit it, and re-sync the item's audience after the
    commit. Raise ValidationError when the rule names no criterion."""
    rule = AssignmentRule(item=item, created_by=actor, **criteria)
    rule.full_clean()
    rule.save()
    audit_log(
        action="records.assignment_rule_create",
        actor=actor,
        request=request,
        target=rule,
        target_repr=f"{item.title}: {rule.describe()}"[:255],
        details={
            "item": f"{item.item_type}:{item.item_id}",
            "rule": rule.describe(),
            "due_at": rule.due_at.isoformat() if rule.due_at else None,
        },
    )
    _enqueue_item_sync(item.pk)
    return rule


@transaction.atomic
def assignment_rule_delete(
    *, actor: Any, rule: AssignmentRule, request: Any = None
) -> None:
    """Delete ``rule``, audit it, and re-sync its item's audience after the commit
    (people it alone assigned keep their progress, marked not required)."""
    item = rule.item
    audit_log(
        action="records.assignment_rule_delete",
        actor=actor,
        request=request,
        target=rule,
        target_repr=f"{item.title}: {rule.describe()}"[:255],
        details={"item": f"{item.item_type}:{item.item_id}", "rule": rule.describe()},
    )
    rule.delete()
    _enqueue_item_sync(item.pk)


def assignment_item_sync(*, item: TrackedItem) -> Any:
    """Re-sync ``item``'s audience through the app that owns its type."""
    from .assignables import assignable_type

    kind = assignable_type(item.item_type)
    if kind is None:
        return None
    return kind.sync(item)


def rule_assignments_sync(*, item: TrackedItem) -> tuple[int, int]:
    """For an item assigned by rules alone (a guideline): make the people its rules
    match exactly its required assignees, due at the earliest date a rule sets."""
    from .selectors import item_rule_audience, item_rule_due

    users = item_rule_audience(item).only("pk") if item.is_active else []
    return assignment_sync(item=item, users=users, due_at=item_rule_due(item))


@transaction.atomic
def rule_assignments_recompute_user(*, user: Any, item_type: str) -> int:
    """For items of ``item_type`` assigned by rules alone: require those whose rules
    match ``user`` now, release those that no longer do. Return the number required."""
    from .selectors import rules_matching_user

    matched = rules_matching_user(user, item_type)
    items = TrackedItem.objects.filter(pk__in=matched, is_active=True)
    required = 0
    for item in items:
        dates = [r.due_at for r in matched[item.pk] if r.due_at is not None]
        assignment_sync_person(user=user, item=item, due_at=min(dates, default=None))
        required += 1
    Assignment.objects.filter(
        user=user, item__item_type=item_type, source="audience", required=True
    ).exclude(item_id__in=[i.pk for i in items]).update(required=False)
    return required


def assignment_sync_person(
    *,
    user: Any,
    item: TrackedItem,
    due_at: datetime | None,
    period: str = "",
) -> Assignment:
    """What ``assignment_sync`` does for one member of the audience: create the required
    assignment, or make an existing one required with the audience's due date (an
    individual extension keeps its own)."""
    assignment, created = Assignment.objects.get_or_create(
        user=user,
        item=item,
        period=period,
        defaults={"source": "audience", "required": True, "due_at": due_at},
    )
    if not created:
        changes: dict[str, Any] = {}
        if not assignment.required:
            changes["required"] = True
        if assignment.extended_until is None and assignment.due_at != due_at:
            changes["due_at"] = due_at
        if changes:
            Assignment.objects.filter(pk=assignment.pk).update(**changes)
    return assignment


def user_assignments_recompute_all(*, user: Any) -> dict[str, int]:
    """Recompute ``user``'s assignments of every assignable type (courses, exams,
    guidelines) after they joined, moved unit, or changed role, post or 警种. Return
    {item type: number required}."""
    from .assignables import assignable_types

    return {kind.item_type: kind.recompute_user(user) for kind in assignable_types()}


def _audit_assignment(
    action: str, *, actor: Any, assignment: Assignment, request: Any, **details: Any
) -> None:
    """Audit one change to one person's assignment (waiver, extension, …)."""
    audit_log(
        action=action,
        actor=actor,
        request=request,
        target=assignment,
        target_repr=f"{assignment.user} · {assignment.item}"[:255],
        details={
            "user": assignment.user_id,
            "item": f"{assignment.item.item_type}:{assignment.item.item_id}",
            **details,
        },
    )


@transaction.atomic
def assignment_waive(
    *, actor: Any, assignment: Assignment, reason: str, request: Any = None
) -> Assignment:
    """Waive ``assignment`` for its person (status WAIVED, with the reason); reports count
    it as done. Audited. Raise ValidationError without a reason or when completed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(WAIVER_REASON_REQUIRED, code="reason")
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == AssignmentStatus.COMPLETED:
        raise ValidationError(WAIVER_OF_COMPLETED, code="completed")
    before = assignment.status
    assignment.status = AssignmentStatus.WAIVED
    assignment.waiver_reason = reason[:255]
    assignment.save(update_fields=["status", "waiver_reason"])
    _audit_assignment(
        "records.assignment_waive",
        actor=actor,
        assignment=assignment,
        request=request,
        period=assignment.period,
        before=before,
        reason=reason,
    )
    return assignment


@transaction.atomic
def assignment_waiver_revoke(
    *, actor: Any, assignment: Assignment, request: Any = None
) -> Assignment:
    """Lift a waiver: the assignment is open again (in progress when started). Audited."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.WAIVED:
        raise ValidationError(NOT_WAIVED, code="not_waived")
    assignment.status = (
        AssignmentStatus.IN_PROGRESS
        if assignment.progress
        else AssignmentStatus.ASSIGNED
    )
    reason = assignment.waiver_reason
    assignment.waiver_reason = ""
    assignment.save(update_fields=["status", "waiver_reason"])
    _audit_assignment(
        "records.assignment_waiver_revoke",
        actor=actor,
        assignment=assignment,
        request=request,
        waiver_reason=reason,
    )
    return assignment


@transaction.atomic
def assignment_extend(
    *,
    actor: Any,
    assignment: Assignment,
    until: datetime,
    reason: str,
    request: Any = None,
) -> Assignment:
    """Give ``assignment``'s person until ``until`` (later than the current due date);
    re-syncing the audience keeps it. Audited. Raise ValidationError otherwise."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(EXTENSION_REASON_REQUIRED, code="reason")
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.due_at is not None and until <= assignment.due_at:
        raise ValidationError(EXTENSION_NOT_LATER, code="not_later")
    before = assignment.due_at
    assignment.due_at = until
    assignment.extended_until = until
    assignment.extension_reason = reason[:255]
    assignment.save(update_fields=["due_at", "extended_until", "extension_reason"])
    _audit_assignment(
        "records.assignment_extend",
        actor=actor,
        assignment=assignment,
        request=request,
        before=before.isoformat() if before else None,
        until=until.isoformat(),
        reason=reason,
    )
    return assignment
