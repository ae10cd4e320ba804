"""Audit jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import audit_purge


@shared_task(name="audit.purge")
def purge_audit_log_task() -> int:
    """Daily: remove entries older than the retention period (never younger than 183 days)."""
    return audit_purge()
