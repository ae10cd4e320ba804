"""manage.py import_charges PATH [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_log

from ...importers.charges import import_charges
from ._progress import Progress, write_report


class Command(BaseCommand):
    help = "Import criminal charges and their 刑法 articles from charge_article_table.jsonl (import statutes first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, write nothing"
        )

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        self.verbosity = options["verbosity"]
        if not path.exists():
            raise CommandError(f"找不到文件：{path}")
        progress = Progress(self, unit="行", desc="导入罪名")
        try:
            report = import_charges(
                path, dry_run=dry_run, progress=progress.update, on_total=progress.total
            )
        finally:
            progress.close()
        write_report(self, report, noun="罪名")
        if not dry_run:
            audit_log(
                action="casebank.import_charges",
                target_type="casebank.Charge",
                target_repr=str(path)[:255],
                details=report.as_dict(),
            )
