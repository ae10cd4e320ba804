"""Idle logout, the forced change of a temporary password, and the two-factor gate in
front of the admin."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

IDLE_LOGOUT_MESSAGE = gettext_lazy("You were signed out after a period of inactivity.")
MUST_CHANGE_PASSWORD = gettext_lazy(
    "You signed in with a temporary password. Choose your own password before you continue."
)
TEMPORARY_PASSWORD_EXPIRED = gettext_lazy(
    "Your temporary password has expired. Ask your unit admin for a new one."
)
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
                audit_log(
                    action="auth.idle_logout", actor=user, request=request, target=user
                )
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

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A view that called ``accounts.permissions.require`` for a two-factor rule
        without a fresh second factor, or for an anonymous visitor."""
        from .permissions import LoginRequired, TwoFactorRequired, refusal_response

        if isinstance(exception, (LoginRequired, TwoFactorRequired)):
            return refusal_response(request, exception)
        return None


# The Wagtail admin and our own administration pages (people, roles, import, audit).
DEFAULT_TWO_FACTOR_PATHS = ("/admin/", "/accounts/manage/", "/audit/")


def two_factor_paths() -> tuple[str, ...]:
    return tuple(
        getattr(settings, "ACCOUNTS_TWO_FACTOR_PATHS", DEFAULT_TWO_FACTOR_PATHS)
    )


def needs_two_factor(user) -> bool:
    """Return True when ``user`` must pass TOTP before the admin and administration
    pages: the two-factor roles, and anyone who may enter the Wagtail admin (legal
    officers edit and approve cases there). Other privileged functions ask their
    predicate (accounts.permissions), wherever their URL is."""
    from .permissions import can_edit_in_admin

    return bool(
        user.is_superuser
        or user.has_role(*settings.ACCOUNTS_TWO_FACTOR_ROLES)
        or can_edit_in_admin(user)
    )


class PasswordChangeRequiredMiddleware:
    """Keep a person who signed in with a temporary password on the change-password page
    until they choose their own; sign them out once the temporary password has expired.

    Only session sign-ins pass here: API Bearer tokens are service credentials issued on
    the command line and are not affected (see docs/accounts.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and getattr(user, "must_change_password", False)):
            return self.get_response(request)
        if user.temporary_password_expired():
            from audit.models import AuditResult
            from audit.services import audit_log

            logout(request)
            audit_log(
                action="auth.temporary_password_expired",
                actor=user,
                request=request,
                target=user,
                result=AuditResult.DENIED,
                details={"where": "session"},
            )
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": str(TEMPORARY_PASSWORD_EXPIRED)}, status=401
                )
            messages.error(request, TEMPORARY_PASSWORD_EXPIRED)
            return redirect("accounts:login")
        if request.path.startswith(password_change_exempt_paths()):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(MUST_CHANGE_PASSWORD)}, status=403)
        # The change page itself explains why the person is there.
        return redirect("accounts:password_change")


def password_change_exempt_paths() -> tuple[str, ...]:
    """Return the path prefixes a person with a temporary password may still open."""
    return (
        reverse("accounts:password_change"),
        reverse("accounts:logout"),
        reverse("set_language"),
        settings.STATIC_URL or "/static/",
    )


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store, private`` on every answer to a signed-in user that does
    not set its own caching: pages and API answers carry personal data (records, people,
    results), which must not stay in a browser's or proxy's cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not response.has_header("Cache-Control")
        ):
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, no_store=True, private=True)
        return response
