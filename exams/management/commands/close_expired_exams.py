"""Submit overdue attempts and grade ungraded ones now (what the Celery beat sweep does every 30 s)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exams.services import overdue_sweep, ungraded_sweep


class Command(BaseCommand):
    help = "Submit every attempt whose deadline plus grace has passed; grade submitted attempts left ungraded."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{overdue_sweep()} attempts submitted")
        self.stdout.write(f"{ungraded_sweep()} ungraded attempts graded")
