"""Idle logout and the two-factor gate in front of the admin."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

IDLE_LOGOUT_MESSAGE = gettext_lazy("You were signed out after a period of inactivity.")
LAST_SEEN_KEY = "accounts_last_seen"


class IdleTimeoutMiddleware:
    """Sign a user out after ``ACCOUNTS_IDLE_TIMEOUT_SECONDS`` without a request.

    The server keeps the time of the last request in the session, so the rule holds
    whatever the browser does with its cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            timeout = settings.ACCOUNTS_IDLE_TIMEOUT_SECONDS
            if last_seen is not None and now - int(last_seen) > timeout:
                from audit.services import audit_log

                user = request.user
                logout(request)
                audit_log(action="auth.idle_logout", actor=user, request=request, target=user)
                messages.info(request, IDLE_LOGOUT_MESSAGE)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Refresh at most once a minute: saves a session write on every request.
            if last_seen is None or now - int(last_seen) >= 60:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class AdminTwoFactorMiddleware:
    """Send holders of the two-factor roles to TOTP set-up or verification before the
    Wagtail admin and the administration pages. Verification lasts for the session
    (django-otp)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.ACCOUNTS_TWO_FACTOR_REQUIRED
            and request.path.startswith(two_factor_paths())
            and request.user.is_authenticated
            and needs_two_factor(request.user)
            and not request.user.is_verified()
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.path}")
        return self.get_response(request)


# The Wagtail admin and our own administration pages (people, roles, import, audit).
DEFAULT_TWO_FACTOR_PATHS = ("/admin/", "/accounts/manage/", "/audit/")


def two_factor_paths() -> tuple[str, ...]:
    return tuple(getattr(settings, "ACCOUNTS_TWO_FACTOR_PATHS", DEFAULT_TWO_FACTOR_PATHS))


def needs_two_factor(user) -> bool:
    """Return True when ``user`` holds a role that must use TOTP two-factor."""
    return user.is_superuser or user.has_role(*settings.ACCOUNTS_TWO_FACTOR_ROLES)
