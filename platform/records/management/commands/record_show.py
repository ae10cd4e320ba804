"""Print a person's training record as admins see it: hours by year and category, the
exams with status, score and pass, and every ledger entry (credits and reversals) with
its source and approver.

    manage.py record_show officer27 [--year 2026]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from records.models import CreditEntry
from records.selectors import person_record_get


class Command(BaseCommand):
    help = "Print a person's training record and credit ledger."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, username: str, year: int | None, **options) -> None:
        person = User.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"No user named {username!r}.")
        record = person_record_get(person, year)
        out = self.stdout
        out.write(f"{person.username} ({person.display_name})")
        for y in record.years:
            cats = ", ".join(f"{k} {v}" for k, v in sorted(y.by_category.items()))
            out.write(f"  {y.year}: {y.total} 学时 ({cats or '—'})")
        for a in record.exams:
            out.write(
                f"  exam {a.item.title}: {a.status}, score {a.score}, "
                f"passed {a.passed}, completed {a.completed_at:%Y-%m-%d %H:%M}"
                if a.completed_at
                else f"  exam {a.item.title}: {a.status}, score {a.score}, "
                f"passed {a.passed}, not completed"
            )
        for a in record.certificates:
            out.write(f"  certificate: {a.item.title}")
        for e in CreditEntry.objects.filter(user=person).order_by("earned_at", "seq"):
            approver = e.approved_by.username if e.approved_by is not None else "rules"
            kind = f"reversal of #{e.reverses_id}" if e.reverses_id else "credit"
            out.write(
                f"  ledger #{e.pk} {kind}: {e.hours:+} {e.category} "
                f"{e.source_type}:{e.source_id} ({e.source_name}) approver {approver}"
                + (f" reason {e.reason}" if e.reason else "")
            )
