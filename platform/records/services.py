"""Writes to the training record ledger. Idempotent: a retry or a double completion
gives one event and one credit entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import Assignment, AssignmentStatus, CreditEntry, LearningEvent, TrackedItem


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
) -> tuple[CreditEntry, bool]:
    """Credit ``hours`` to ``user`` for one source, once. Return (entry, created).

    ``yearly_cap`` limits the hours of ``category`` credited in the year of ``earned_at``;
    what exceeds it is not credited (the entry keeps the requested figure).
    """
    earned_at = earned_at or timezone.now()
    year = timezone.localtime(earned_at).year
    requested = Decimal(str(hours))
    existing = CreditEntry.objects.filter(user=user, source_type=source_type, source_id=str(source_id)).first()
    if existing is not None:
        return existing, False
    granted = requested
    if yearly_cap is not None:
        already = (
            CreditEntry.objects.filter(user=user, category=category, year=year).aggregate(
                total=models.Sum("hours")
            )["total"]
            or Decimal(0)
        )
        granted = max(Decimal(0), min(requested, Decimal(yearly_cap) - already))
    entry = CreditEntry(
        user=user,
        hours=granted,
        requested_hours=requested if granted != requested else None,
        category=category,
        year=year,
        source_type=source_type,
        source_id=str(source_id),
        source_name=source_name[:255],
        unit_id=getattr(user, "unit_id", None),
        earned_at=earned_at,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return CreditEntry.objects.get(user=user, source_type=source_type, source_id=str(source_id)), False
    return entry, True


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
) -> TrackedItem:
    """Create or update the tracked item for (item_type, item_id) and return it."""
    item, _ = TrackedItem.objects.update_or_create(
        item_type=item_type,
        item_id=str(item_id),
        defaults={"title": title[:255], "category": category, "hours": Decimal(str(hours)), "url": url,
                  "is_active": is_active},
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
    existing = {a.user_id: a for a in Assignment.objects.filter(item=item, period=period)}
    to_create = [
        Assignment(user_id=pk, item=item, period=period, due_at=due_at, source=source, required=True)
        for pk in wanted - existing.keys()
    ]
    Assignment.objects.bulk_create(to_create, batch_size=1000, ignore_conflicts=True)
    Assignment.objects.filter(item=item, period=period, user_id__in=wanted & existing.keys()).update(
        required=True, due_at=due_at
    )
    released = [pk for pk, a in existing.items() if pk not in wanted and a.required and a.source == source]
    Assignment.objects.filter(item=item, period=period, user_id__in=released).update(required=False)
    return len(to_create), len(released)


def assignment_get_or_create(*, user: Any, item: TrackedItem, period: str = "", source: str = "self",
                             required: bool = False, due_at: datetime | None = None) -> Assignment:
    """Return the person's assignment to ``item``, creating an elective one if needed."""
    assignment, _ = Assignment.objects.get_or_create(
        user=user, item=item, period=period,
        defaults={"source": source, "required": required, "due_at": due_at},
    )
    return assignment


def assignment_progress(*, user: Any, item: TrackedItem, progress: float, period: str = "") -> Assignment:
    """Record progress (0..1) on an assignment; never moves a completed one backwards."""
    assignment = assignment_get_or_create(user=user, item=item, period=period)
    if assignment.status != AssignmentStatus.COMPLETED:
        assignment.progress = max(assignment.progress, min(1.0, max(0.0, float(progress))))
        assignment.status = AssignmentStatus.IN_PROGRESS
        assignment.save(update_fields=["progress", "status"])
    return assignment


def assignment_complete(
    *,
    user: Any,
    item: TrackedItem,
    completed_at: datetime | None = None,
    score: Decimal | float | None = None,
    passed: bool | None = None,
    period: str = "",
) -> tuple[Assignment, bool]:
    """Mark the assignment completed once. Return (assignment, newly_completed)."""
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
        assignment.save()
    return assignment, True
