"""Sign in with a username or a police number (警号)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


def user_for_identifier(identifier: str) -> User | None:
    """Return the person whose username (any case) or police number is ``identifier``."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    matches = list(
        User.objects.filter(
            Q(username__iexact=identifier) | Q(police_number=identifier)
        )[:2]
    )
    if len(matches) != 1:
        # Prefer the username when a username happens to equal someone's police number.
        return next(
            (u for u in matches if u.username.lower() == identifier.lower()), None
        )
    return matches[0]


class UsernameOrPoliceNumberBackend(ModelBackend):
    """Django's model backend, looking the person up by username or police number."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if username is None or password is None:
            return None
        user = user_for_identifier(username)
        if user is None:
            # Run the hasher anyway so that timing does not reveal unknown accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        # With the unit, which every page's header names: one query, not two.
        try:
            user = User._default_manager.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
