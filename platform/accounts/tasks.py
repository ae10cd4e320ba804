"""Accounts jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import pending_imports_purge


@shared_task(name="accounts.purge_pending_imports")
def purge_pending_imports_task() -> int:
    """Every few minutes: delete checked HR sheets that were never applied in time."""
    return pending_imports_purge()
