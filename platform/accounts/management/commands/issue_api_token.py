"""manage.py issue_api_token USERNAME [--name NAME]: print a new API token once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.authentication import api_token_issue
from accounts.models import User
from audit.services import audit_log


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (only its digest is stored; it is shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="", help="a label for the token (e.g. the client system)"
        )

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        if not user.is_active:
            raise CommandError(f"the account {username!r} is disabled")
        token, plaintext = api_token_issue(user=user, name=name)
        audit_log(
            action="accounts.api_token_issue",
            actor=None,
            target=user,
            details={"token_id": token.pk, "name": token.name, "via": "manage.py"},
        )
        if options.get("verbosity", 1) >= 2:
            self.stderr.write(
                f"token {token.name!r} for {user.username}; send it as 'Authorization: Bearer <token>'"
            )
        self.stdout.write(plaintext)
