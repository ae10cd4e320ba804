"""manage.py purge_audit_log: remove entries older than the retention period."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from audit.services import audit_purge, retention_days


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (never fewer than 183 days)."

    def handle(self, *args, **options) -> None:
        deleted = audit_purge()
        self.stdout.write(
            f"deleted {deleted} audit entries older than {retention_days()} days"
        )
