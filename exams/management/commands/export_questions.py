"""Export the question bank to an .xlsx in the import layout."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from audit.services import audit_log
from exams.importing import export_xlsx
from exams.models import Question


class Command(BaseCommand):
    help = "Export active questions to an .xlsx that import_questions reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source",
            default="",
            help="only questions from this source (demo, xlsx, lawbench)",
        )

    def handle(self, *args, path: Path, source: str, **options) -> None:
        qs = (
            Question.objects.active()
            .select_related("category__parent", "current_version")
            .order_by("pk")
        )
        if source:
            qs = qs.filter(source=source)
        path.write_bytes(export_xlsx(qs))
        audit_log(
            action="exams.question_export",
            target_type="exams.question",
            details={"count": qs.count()},
        )
        self.stdout.write(
            self.style.SUCCESS(f"{qs.count()} questions written to {path}")
        )
