"""Signing in and out, two-factor set-up and verification, password change (forced after
a temporary password)."""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditResult
from audit.services import audit_log

from .forms import (
    LoginForm,
    PlatformPasswordChangeForm,
    TemporaryPasswordChangeForm,
    TokenForm,
)
from .http import AuthenticatedHttpRequest
from .middleware import LAST_SEEN_KEY
from .permissions import can_edit_in_admin
from .services import password_changed

NO_ADMIN_ACCESS = gettext_lazy("Your roles do not include the administration pages.")
ADMIN_PREFIX = "/admin/"
WRONG_CODE = gettext_lazy(
    "That code is not right (or was already used). Try the next one."
)


class LoginView(auth_views.LoginView):
    """Username or police number and password, with lockout (see ``accounts.lockout``).

    ``django.contrib.auth.login`` gives the session a new key, so a session id planted
    before sign-in is worthless afterwards.
    """

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        # A signed-in person sent here by the Wagtail admin lacks admin access; sending
        # them back to ``next`` would loop for ever. Say so with the 403 page instead.
        user = request.user
        if (
            user.is_authenticated
            and self.get_redirect_url().startswith(ADMIN_PREFIX)
            and not can_edit_in_admin(user)
        ):
            raise PermissionDenied(NO_ADMIN_ACCESS)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        # The idle clock starts now, in the session written by this response anyway
        # (else the first page after signing in writes it once more).
        self.request.session[LAST_SEEN_KEY] = int(time.time())
        audit_log(
            action="auth.login",
            actor=form.get_user(),
            request=self.request,
            target=form.get_user(),
        )
        return response

    def get_success_url(self) -> str:
        # A temporary password is replaced first; the gate would send them there anyway.
        user = self.request.user
        if user.is_authenticated and user.must_change_password:
            return reverse("accounts:password_change")
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            audit_log(action="auth.logout", request=request, target=request.user)
        return super().post(request, *args, **kwargs)


def _next_url(request: HttpRequest, default: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return default


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the current TOTP code; send people without a device to set-up first."""
    next_url = _next_url(request, reverse("wagtailadmin_home"))
    device = _confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:two_factor_setup')}?next={next_url}")
    if request.user.is_verified():
        return HttpResponseRedirect(next_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            audit_log(action="auth.two_factor", request=request, target=request.user)
            return HttpResponseRedirect(next_url)
        audit_log(
            action="auth.two_factor",
            request=request,
            target=request.user,
            result=AuditResult.FAILURE,
        )
        form.add_error("token", WRONG_CODE)
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


@never_cache
@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show a QR code and the secret for a new authenticator; confirm it with one code."""
    next_url = _next_url(request, reverse("wagtailadmin_home"))
    if _confirmed_device(request.user) is not None:
        return redirect(f"{reverse('accounts:two_factor')}?next={next_url}")
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator app"), confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_log(
                action="auth.two_factor_setup", request=request, target=request.user
            )
            messages.success(request, _("Two-factor sign-in is set up."))
            return HttpResponseRedirect(next_url)
        form.add_error("token", WRONG_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        # The SVG is generated by qrcode from our own otpauth URL: no user input in it.
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308
        "issuer": settings.WAGTAIL_SITE_NAME,
    }
    return render(request, "accounts/two_factor_setup.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password. After a temporary password the form asks only for the new
    one (twice), and the person cannot leave this page until it is saved (see
    ``PasswordChangeRequiredMiddleware``)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")
    request: AuthenticatedHttpRequest  # Django's view is behind login_required

    def get_form_class(self):
        if self.request.user.must_change_password:
            return TemporaryPasswordChangeForm
        return PlatformPasswordChangeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        context["expires_at"] = self.request.user.temporary_password_expires_at
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=self.request.user, request=self.request)
        messages.success(self.request, _("Your password was changed."))
        return response
