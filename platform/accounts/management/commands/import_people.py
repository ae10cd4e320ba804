"""manage.py import_people PATH [--apply] [--as USERNAME]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tqdm import tqdm

from accounts.imports import ImportFileError, people_import, read_sheet
from accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Import units and people from an HR sheet (.xlsx or .csv). Checks every row and "
        "reports each bad one; writes only with --apply and only when no row is bad."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument("--apply", action="store_true", help="write the changes (default: dry run)")
        parser.add_argument(
            "--as", dest="actor", default="",
            help="username of the admin the import is recorded as (default: the first system admin)",
        )

    def handle(self, *args, path: str, apply: bool, actor: str, verbosity: int = 1, **options) -> None:
        if actor:
            user = User.objects.filter(username=actor).first()
        else:
            user = User.objects.filter(role_assignments__role=Role.SYSTEM_ADMIN, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("No such admin account to record the import as."))
        try:
            rows = read_sheet(path)
        except (ImportFileError, OSError) as e:
            raise CommandError(str(e)) from e

        def progress(items):
            return tqdm(items, desc=_("Checking rows"), unit="row", disable=verbosity < 1, file=self.stderr._out)

        report = people_import(actor=user, rows=rows, apply=apply, source_name=path, progress=progress)
        for error in report.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        summary = _(
            "%(rows)d rows: %(units)d new units, %(renamed)d renamed, %(new)d new people, %(updated)d updated, %(errors)d errors."
        ) % {"rows": report.rows, "units": len(report.units_created), "renamed": len(report.units_renamed),
             "new": len(report.people_created), "updated": len(report.people_updated), "errors": len(report.errors)}
        self.stdout.write(summary)
        if report.errors:
            raise CommandError(_("Nothing was imported: fix the rows above and run again."))
        if report.applied:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))
        else:
            self.stdout.write(_("Dry run: nothing was written. Run again with --apply to import."))
