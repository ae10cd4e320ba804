"""Site-wide background jobs."""

from __future__ import annotations

from django.core.management import call_command

from celery import shared_task


@shared_task(name="core.publish_scheduled")
def publish_scheduled_task() -> None:
    """Wagtail's ``publish_scheduled``: publish pages and snippets whose go-live date has
    come and unpublish those whose expiry has passed (run every minute by beat)."""
    call_command("publish_scheduled", verbosity=0)
