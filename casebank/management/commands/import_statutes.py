"""manage.py import_statutes PATH [PATH ...] [--dry-run] [--effective-from YYYY-MM-DD]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_log

from ...importers.statutes import import_statutes
from ._progress import Progress, write_report


class Command(BaseCommand):
    help = (
        "Import statutes from Markdown files (one law per file, LawRefBook layout) or JSONL "
        "article files (core_articles.jsonl, national_articles.jsonl). Re-running is idempotent; "
        "a changed text becomes a new article version and flags what cites the old one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", type=Path, help="Files or folders (*.md, *.jsonl)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, write nothing"
        )
        parser.add_argument(
            "--effective-from",
            type=dt.date.fromisoformat,
            default=None,
            help="Date the imported texts take effect (default: from the catalogue or file name)",
        )
        parser.add_argument(
            "--meta",
            type=Path,
            default=None,
            help="national_laws_meta.jsonl (default: beside the file)",
        )

    def handle(
        self, *args, paths: list[Path], dry_run: bool, effective_from, meta, **options
    ) -> None:
        self.verbosity = options["verbosity"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"找不到文件：{', '.join(missing)}")
        progress = Progress(self, unit="条", desc="导入条文")
        try:
            report = import_statutes(
                paths,
                dry_run=dry_run,
                effective_from=effective_from,
                meta_path=meta,
                progress=progress.update,
                on_total=progress.total,
            )
        finally:
            progress.close()
        write_report(self, report, noun="条文")
        if not dry_run:
            audit_log(
                action="casebank.import_statutes",
                target_type="casebank.Law",
                target_repr=", ".join(str(p) for p in paths)[:255],
                details=report.as_dict(),
            )
