"""Record-ledger tasks: thin wrappers that load ids and call one service."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from celery import shared_task

from .services import credit_hours


@shared_task(name="records.credit_hours")
def credit_hours_task(*, user_id: int, hours: str, category: str, source_type: str, source_id: str,
                      source_name: str = "") -> int:
    """Credit hours once (idempotent: the broker may deliver twice). Return the entry id."""
    user = get_user_model().objects.get(pk=user_id)
    entry, _ = credit_hours(user=user, hours=Decimal(hours), category=category, source_type=source_type,
                            source_id=source_id, source_name=source_name)
    return entry.pk
