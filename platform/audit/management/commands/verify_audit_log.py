"""manage.py verify_audit_log: recompute the hash chain; exit 1 at the first break."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from tqdm import tqdm

from audit.models import AuditEntry
from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute every audit entry's hash and link; report the first broken entry and exit non-zero."

    def handle(self, *args, verbosity: int = 1, **options) -> None:
        total = AuditEntry.objects.count()
        with tqdm(
            total=total,
            unit="entry",
            disable=verbosity < 1 or total < 1000,
            file=sys.stderr,
        ) as bar:
            report = audit_chain_verify(progress=lambda entry: bar.update(1))
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"audit log intact: {report.checked} entries checked"
                )
            )
            return
        entry = (
            AuditEntry.objects.filter(pk=report.broken_id).first()
            if report.broken_id is not None
            else None
        )
        where = (
            f"{entry.created_at:%Y-%m-%d %H:%M:%S} {entry.action} by {entry.actor_username or '-'}"
            if entry
            else ""
        )
        self.stderr.write(
            self.style.ERROR(
                f"audit log BROKEN at entry id={report.broken_id} ({where}): {report.reason}; "
                f"{report.checked} entries before it are intact"
            )
        )
        sys.exit(1)
