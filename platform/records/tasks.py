"""Record-ledger tasks: thin wrappers that load ids and call one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from celery import shared_task

from .services import credit_hours


@shared_task(name="records.credit_hours")
def credit_hours_task(
    *,
    user_id: int,
    hours: str,
    category: str,
    source_type: str,
    source_id: str,
    source_name: str = "",
) -> int:
    """Credit hours once (idempotent: the broker may deliver twice). Return the entry id."""
    user = get_user_model().objects.get(pk=user_id)
    entry, _ = credit_hours(
        user=user,
        hours=Decimal(hours),
        category=category,
        source_type=source_type,
        source_id=source_id,
        source_name=source_name,
    )
    return entry.pk


@shared_task(name="records.export_job_run")
def export_job_run_task(*, job_id: int) -> str:
    """Generate an export file; return its final status."""
    from .services import export_job_run

    return export_job_run(job_id=job_id).status


@shared_task(name="records.send_reminders")
def send_reminders_task() -> dict[str, int]:
    """Daily: overdue, due-soon and expiring-certification reminders (never twice)."""
    from .reminders import reminders_send

    return reminders_send()


@shared_task(name="records.send_digests")
def send_digests_task() -> int:
    """Weekly: each unit admin's digest (once per ISO week)."""
    from .reminders import digests_send

    return digests_send()


@shared_task(name="records.xapi_export", bind=True, max_retries=5)
def xapi_export_task(self) -> dict[str, int]:
    """Send pending ledger events to the LRS; retried with exponential backoff when it
    is down (events stay pending, so nothing is lost even after the last retry)."""
    from .xapi import XapiConfig, XapiError, xapi_export_pending

    if XapiConfig.from_settings() is None:
        return {"sent": 0, "batches": 0, "pending": -1}
    try:
        return xapi_export_pending()
    except XapiError as e:
        raise self.retry(exc=e, countdown=60 * (2**self.request.retries)) from e


@shared_task(name="records.sync_requirements")
def sync_requirements_task(*, year: int | None = None) -> dict[str, int]:
    """Daily: assign the items required by role requirements to the roles' holders."""
    from django.utils import timezone

    from .services import requirement_assignments_sync

    return requirement_assignments_sync(year=year or timezone.localdate().year)


@shared_task(name="records.assignment_item_sync")
def assignment_item_sync_task(item_id: int) -> Any:
    """Re-sync one tracked item's audience after its rules changed."""
    from .models import TrackedItem
    from .services import assignment_item_sync

    item = TrackedItem.objects.filter(pk=item_id).first()
    if item is None:
        return None
    return assignment_item_sync(item=item)


@shared_task(name="records.user_assignments_recompute")
def user_assignments_recompute_task(user_id: int) -> dict[str, int] | None:
    """Recompute one person's assignments of every type (after a transfer)."""
    from .services import user_assignments_recompute_all

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    return user_assignments_recompute_all(user=user)
