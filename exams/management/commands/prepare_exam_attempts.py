"""Create attempts ahead of the window for a large sitting."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tqdm import tqdm

from exams.models import ExamSession
from exams.services import session_audience, session_prepare_attempts


class Command(BaseCommand):
    help = "Draw papers for everyone in a session's audience who has none yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("session_id", type=int)

    def handle(self, *args, session_id: int, verbosity: int, **options) -> None:
        session = ExamSession.objects.get(pk=session_id)
        with tqdm(
            total=session_audience(session).count(), disable=verbosity < 1, unit="paper"
        ) as bar:
            n = session_prepare_attempts(session=session, progress=bar.update)
        self.stdout.write(f"{n} papers prepared")
