"""manage.py import_people PATH [--apply] [--as USERNAME] [--passwords-file OUT.csv]"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tqdm import tqdm

from accounts.imports import (
    CREDENTIALS_COLUMNS,
    ImportFileError,
    credential_rows,
    people_import,
    read_sheet,
)
from accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Import units and people from an HR sheet (.xlsx or .csv). Checks every row and "
        "reports each bad one; writes only with --apply and only when no row is bad."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument(
            "--apply", action="store_true", help="write the changes (default: dry run)"
        )
        parser.add_argument(
            "--passwords-file",
            dest="passwords_file",
            default="",
            help="write the temporary passwords of new people to this CSV (mode 600) instead of printing them",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            help="username of the admin the import is recorded as (default: the first system admin)",
        )

    def handle(
        self,
        *args,
        path: str,
        apply: bool,
        actor: str,
        passwords_file: str = "",
        verbosity: int = 1,
        **options,
    ) -> None:
        if actor:
            user = User.objects.filter(username=actor).first()
        else:
            user = (
                User.objects.filter(
                    role_assignments__role=Role.SYSTEM_ADMIN, is_active=True
                )
                .order_by("pk")
                .first()
            )
        if user is None:
            raise CommandError(_("No such admin account to record the import as."))
        try:
            rows = read_sheet(path)
        except (ImportFileError, OSError) as e:
            raise CommandError(str(e)) from e

        def progress(items):
            return tqdm(
                items,
                desc=_("Checking rows"),
                unit="row",
                disable=verbosity < 1,
                file=self.stderr._out,
            )

        report = people_import(
            actor=user, rows=rows, apply=apply, source_name=path, progress=progress
        )
        for error in report.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        summary = _(
            "%(rows)d rows: %(units)d new units, %(renamed)d renamed, %(new)d new people, %(updated)d updated, %(errors)d errors."
        ) % {
            "rows": report.rows,
            "units": len(report.units_created),
            "renamed": len(report.units_renamed),
            "new": len(report.people_created),
            "updated": len(report.people_updated),
            "errors": len(report.errors),
        }
        self.stdout.write(summary)
        if report.errors:
            raise CommandError(
                _("Nothing was imported: fix the rows above and run again.")
            )
        if report.applied:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))
            if report.credentials:
                self.write_credentials(report.credentials, passwords_file)
        else:
            if report.passwords_issued:
                self.stdout.write(
                    _("%(n)d people will get a temporary password.")
                    % {"n": len(report.passwords_issued)}
                )
            self.stdout.write(
                _("Dry run: nothing was written. Run again with --apply to import.")
            )

    def write_credentials(self, credentials, passwords_file: str) -> None:
        """Hand the temporary passwords to the operator once: a private file, or stdout."""
        rows = credential_rows(credentials)
        if passwords_file:
            target = Path(passwords_file)
            # Created private (0600): the file holds working passwords until first sign-in.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(CREDENTIALS_COLUMNS)
                writer.writerows(rows)
            self.stdout.write(
                _(
                    "%(n)d temporary passwords written to %(path)s. Hand each one over in private."
                )
                % {"n": len(rows), "path": target}
            )
            return
        self.stdout.write(
            _(
                "Temporary passwords (shown once; each must be changed at the first sign-in, valid until %(when)s):"
            )
            % {"when": rows[0][6]}
        )
        self.stdout.write("\t".join(CREDENTIALS_COLUMNS))
        for row in rows:
            self.stdout.write("\t".join(row))
