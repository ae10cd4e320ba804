"""manage.py issue_api_token USERNAME [--name NAME] [--scope read|people] [--days N]
[--otp CODE]: print a new API token once.

The people scope (people and unit endpoints, personal data) needs ``--otp`` with the
holder's current authenticator code: such a token counts as issued after a two-factor
sign-in. Tokens expire after ``--days`` (default ``ACCOUNTS_API_TOKEN_DAYS``, 90)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.authentication import api_token_issue
from accounts.models import TokenScope, User
from audit.services import audit_log


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (only its digest is stored; it is shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="", help="a label for the token (e.g. the client system)"
        )
        parser.add_argument(
            "--scope", default=TokenScope.READ, choices=TokenScope.values
        )
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument(
            "--otp", default="", help="the holder's current authenticator code"
        )

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        if not user.is_active:
            raise CommandError(f"the account {username!r} is disabled")
        days = options.get("days")
        if days is not None and not 1 <= days <= 365:
            raise CommandError("--days must be between 1 and 365")
        two_factor = False
        if code := options.get("otp"):
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
            if not any(device.verify_token(code) for device in devices):
                raise CommandError("the authenticator code is wrong or expired")
            two_factor = True
        try:
            token, plaintext = api_token_issue(
                user=user,
                name=name,
                scope=options.get("scope") or TokenScope.READ,
                two_factor=two_factor,
                days=days,
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        audit_log(
            action="accounts.api_token_issue",
            actor=None,
            target=user,
            details={
                "token_id": token.pk,
                "name": token.name,
                "via": "manage.py",
                "scope": token.grant.scope,
                "two_factor": two_factor,
                "expires_at": token.grant.expires_at.isoformat(),
            },
        )
        if options.get("verbosity", 1) >= 2:
            self.stderr.write(
                f"token {token.name!r} for {user.username}; send it as 'Authorization: Bearer <token>'"
            )
        self.stdout.write(plaintext)
