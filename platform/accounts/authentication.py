"""``Authorization: Bearer <token>`` for the API, on Wagtail's ``APIToken`` (only an
HMAC digest of each token is stored; the plaintext is shown once)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.models import APIToken

from rest_framework import authentication, exceptions

from .models import User

TOKEN_INVALID = _("Invalid or revoked API token.")


def api_token_issue(*, user: User, name: str = "") -> tuple[APIToken, str]:
    """Create a token for ``user`` and return it with the plaintext (shown only once)."""
    return APIToken.create_token(user=user, name=name or f"api-{user.username}")


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
            APIToken.objects.select_related("user", "user__unit")
            .filter(
                key_hash__in=APIToken.candidate_key_hashes(raw), revoked_at__isnull=True
            )
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        APIToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
