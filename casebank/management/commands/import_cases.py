"""manage.py import_cases --format cail2018|guiding PATH [--publish] [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_log

from ...importers.cases import FORMATS, import_cases
from ._progress import Progress, write_report


class Command(BaseCommand):
    help = (
        "Import cases as CasePages under the case library: CAIL2018 JSONL (fact, meta.accusation, "
        "meta.relevant_articles) or guiding-case JSONL. Drafts unless --publish. Import statutes "
        "and charges first so cases link to them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the cases (default: drafts for review)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, write nothing"
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--method",
            choices=["bulk", "wagtail"],
            default="bulk",
            help="bulk: direct inserts (fast, no revisions/signals); wagtail: add_child + revision per case",
        )

    def handle(
        self,
        *args,
        path: Path,
        fmt: str,
        publish: bool,
        dry_run: bool,
        batch_size: int,
        method: str,
        **options,
    ) -> None:
        self.verbosity = options["verbosity"]
        if not path.exists():
            raise CommandError(f"找不到文件：{path}")
        progress = Progress(self, unit="件", desc="导入案例")
        try:
            report = import_cases(
                path,
                fmt=fmt,
                publish=publish,
                dry_run=dry_run,
                batch_size=batch_size,
                method=method,
                progress=progress.update,
                on_total=progress.total,
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        finally:
            progress.close()
        write_report(self, report, noun="案例")
        if not dry_run:
            audit_log(
                action="casebank.import_cases",
                target_type="casebank.CasePage",
                target_repr=str(path)[:255],
                details={**report.as_dict(), "format": fmt, "publish": publish},
            )
