"""Writes to the training record ledger. Idempotent: a retry or a double completion
gives one event and one credit entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import CreditEntry, LearningEvent


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
