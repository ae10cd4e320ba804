"""``Authorization: Bearer <token>`` for the API, on Wagtail's ``APIToken`` (only an
HMAC digest of each token is stored; the plaintext is shown once), with a grant
(``APITokenGrant``): scope, expiry (``ACCOUNTS_API_TOKEN_DAYS``, default 90) and whether
it was issued after a two-factor check. Tokens are revoked, and the revocation audited,
when their holder's password is reset or changed, their roles change, or the account is
disabled (``api_tokens_revoke``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.models import APIToken

from rest_framework import authentication, exceptions

from .models import APITokenGrant, TokenScope, User

TOKEN_INVALID = _("Invalid or revoked API token.")
TOKEN_EXPIRED = _("This API token has expired. Ask for a new one.")
PEOPLE_SCOPE_NEEDS_TWO_FACTOR = _(
    "A token for people and units is issued only after a two-factor check of its holder."
)


def api_token_issue(
    *,
    user: User,
    name: str = "",
    scope: str = TokenScope.READ,
    two_factor: bool = False,
    days: int | None = None,
) -> tuple[APIToken, str]:
    """Create a token for ``user`` with its grant and return it with the plaintext (shown
    only once). ``two_factor``: the caller checked the holder's TOTP code just now; the
    people scope needs it. Raises ValueError for the people scope without it."""
    if scope not in TokenScope.values:
        raise ValueError(f"unknown scope {scope!r}")
    if scope == TokenScope.PEOPLE and not two_factor:
        raise ValueError(str(PEOPLE_SCOPE_NEEDS_TWO_FACTOR))
    token, plaintext = APIToken.create_token(
        user=user, name=name or f"api-{user.username}"
    )
    lifetime = days if days is not None else settings.ACCOUNTS_API_TOKEN_DAYS
    APITokenGrant.objects.create(
        token=token,
        scope=scope,
        two_factor=two_factor,
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    return token, plaintext


def api_tokens_revoke(*, user: User, reason: str, actor=None, request=None) -> int:
    """Revoke every live token of ``user``; audit it (``accounts.api_tokens_revoke``)
    when there was any. Return how many were revoked."""
    from audit.services import audit_log

    live = APIToken.objects.filter(user=user, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    if not ids:
        return 0
    APIToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
    audit_log(
        action="accounts.api_tokens_revoke",
        actor=actor,
        request=request,
        target=user,
        details={"reason": reason, "tokens": ids},
    )
    return len(ids)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        try:
            raw = header[1].decode()
        except UnicodeError as e:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from e
        if not APIToken.validate_token_format(raw):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        token = (
            APIToken.objects.select_related("user", "user__unit", "grant")
            .filter(
                key_hash__in=APIToken.candidate_key_hashes(raw), revoked_at__isnull=True
            )
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        grant = getattr(token, "grant", None)
        if grant is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if grant.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        APIToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
