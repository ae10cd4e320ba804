"""Import a trainer spreadsheet (.xlsx) or LawBench JSON into the question bank."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tqdm import tqdm

from audit.services import audit_log
from exams import importing


class Command(BaseCommand):
    help = (
        "Import questions from an .xlsx in the trainer layout, or from LawBench 3-6 JSON "
        "(--format lawbench). Every bad row is reported; a file with bad rows imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=["xlsx", "lawbench"], default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="check only; write nothing"
        )
        parser.add_argument(
            "--subject", default="", help="default 科目 when the column is empty"
        )
        parser.add_argument("--topic", default="")
        parser.add_argument(
            "--limit",
            type=int,
            default=0,
            help="LawBench: import only the first N items",
        )

    def handle(
        self,
        *args,
        path: Path,
        format: str | None,
        dry_run: bool,
        subject: str,
        topic: str,
        limit: int,
        verbosity: int,
        **options,
    ) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        fmt = format or ("lawbench" if path.suffix == ".json" else "xlsx")
        bar = tqdm(disable=verbosity < 1, unit="q", desc="importing")
        if fmt == "xlsx":
            report = importing.import_xlsx(
                path,
                dry_run=dry_run,
                default_subject=subject,
                default_topic=topic,
                progress=bar.update,
            )
            self._report(report.problems, report.total, report.valid)
            if report.committed:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"imported {report.created}, already present {report.duplicates}"
                    )
                )
            bar.close()
            if report.problems:
                raise CommandError(f"{len(report.problems)} bad rows: nothing imported")
            return
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise CommandError(f"{path}: not readable JSON ({e})") from e
        if limit:
            items = items[:limit]
        questions, problems = importing.parse_lawbench(items)
        self._report(problems, len(items), len(questions))
        if dry_run:
            return
        # LawBench items that cannot be read are skipped (reported above); the rest go in.
        bar.total = len(questions)
        with transaction.atomic():
            created, duplicates = importing.import_questions(
                questions, source="lawbench", progress=bar.update
            )
            audit_log(
                action="exams.question_import",
                target_type="exams.question",
                details={
                    "source": "lawbench",
                    "created": created,
                    "duplicates": duplicates,
                },
            )
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(f"imported {created}, already present {duplicates}")
        )

    def _report(self, problems, total: int, valid: int) -> None:
        self.stdout.write(
            f"{total} questions read, {valid} valid, {len(problems)} problems"
        )
        for p in problems:
            self.stdout.write(f"  row {p.row}: {p.message}")
