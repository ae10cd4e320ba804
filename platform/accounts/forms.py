"""Forms for signing in, two-factor verification and the people import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.models import AuditResult
from audit.services import audit_log
from core.net import client_ip

from . import lockout
from .backends import user_for_identifier

LOCKED_OUT = _(
    "Too many failed sign-in attempts. This account or address is locked for %(minutes)d minutes."
)
INVALID_LOGIN = _("Please enter a correct username (or police number) and password.")
TEMPORARY_PASSWORD_EXPIRED = _(
    "Your temporary password has expired. Ask your unit admin for a new one."
)
SAME_AS_CURRENT = _(
    "The new password must differ from the current (temporary) password."
)


def lockout_identity(identifier: str) -> str:
    """Return the key under which failures for ``identifier`` are counted.

    A known person is counted once whether they are named by username or police number;
    an unknown name is counted as typed, so guessing unknown names is limited too.
    """
    user = user_for_identifier(identifier)
    return (
        f"user:{user.pk}" if user is not None else f"name:{identifier.strip().lower()}"
    )


class LoginForm(AuthenticationForm):
    """Username or police number and password, behind the lockout counters."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": INVALID_LOGIN,
        "locked_out": LOCKED_OUT,
        "temporary_password_expired": TEMPORARY_PASSWORD_EXPIRED,
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username or police number")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none"}
        )

    def _locked_error(self) -> ValidationError:
        from django.conf import settings

        minutes = max(1, settings.ACCOUNTS_LOCKOUT_SECONDS // 60)
        return ValidationError(
            self.error_messages["locked_out"],
            code="locked_out",
            params={"minutes": minutes},
        )

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not username or password is None:
            return self.cleaned_data
        identity = lockout_identity(username)
        address = client_ip(self.request) if self.request is not None else None
        details = {"username": username[:150]}
        if lockout.is_locked(identifier=identity, address=address):
            audit_log(
                action="auth.login_blocked",
                request=self.request,
                result=AuditResult.DENIED,
                target_type="accounts.user",
                target_repr=username[:255],
                details=details,
            )
            raise self._locked_error()
        self.user_cache = authenticate(
            self.request, username=username, password=password
        )
        if self.user_cache is None:
            outcome = lockout.failure_record(identifier=identity, address=address)
            audit_log(
                action="auth.login_failed",
                request=self.request,
                result=AuditResult.FAILURE,
                target_type="accounts.user",
                target_repr=username[:255],
                details={
                    **details,
                    "account_failures": outcome.account_failures,
                    "address_failures": outcome.address_failures,
                },
            )
            if outcome.account_locked_now or outcome.address_locked_now:
                scope = [
                    s
                    for s, hit in (
                        ("account", outcome.account_locked_now),
                        ("address", outcome.address_locked_now),
                    )
                    if hit
                ]
                audit_log(
                    action="auth.lockout",
                    request=self.request,
                    result=AuditResult.DENIED,
                    target_type="accounts.user",
                    target_repr=username[:255],
                    details={**details, "scope": scope},
                )
                raise self._locked_error()
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        lockout.success_record(identifier=identity)
        if self.user_cache.temporary_password_expired():
            # The right password, but too old: no session. Not a failure for the lockout.
            audit_log(
                action="auth.temporary_password_expired",
                actor=self.user_cache,
                request=self.request,
                result=AuditResult.DENIED,
                target=self.user_cache,
                details={"where": "login"},
            )
            raise ValidationError(
                self.error_messages["temporary_password_expired"],
                code="temporary_password_expired",
            )
        return self.cleaned_data


if TYPE_CHECKING:
    # What the mixin is mixed into, so ``super()``, ``user`` and ``errors`` resolve.
    _PasswordFormBase = SetPasswordForm
else:
    _PasswordFormBase = object


class NotCurrentPasswordMixin(_PasswordFormBase):
    """Refuse a new password equal to the current one (the temporary one, when forced)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password = cleaned.get("new_password2")
        if (
            password
            and "new_password2" not in self.errors
            and self.user.check_password(password)
        ):
            self.add_error(
                "new_password2",
                ValidationError(SAME_AS_CURRENT, code="password_unchanged"),
            )
        return cleaned


class PlatformPasswordChangeForm(NotCurrentPasswordMixin, PasswordChangeForm):
    """The old password, then the new one twice."""


class TemporaryPasswordChangeForm(NotCurrentPasswordMixin, SetPasswordForm):
    """The new password twice, right after signing in with a temporary one: the session
    was opened with that password moments ago, and the gate lets it do nothing else."""


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
            }
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise ValidationError(
                _("Enter the digits shown in your authenticator app.")
            )
        return token


class ImportForm(forms.Form):
    """An HR sheet of units and people (.xlsx or .csv)."""

    file = forms.FileField(label=_("Sheet (.xlsx or .csv)"))

    def clean_file(self):
        from django.conf import settings

        from core.uploads import validate_upload

        upload = self.cleaned_data["file"]
        # Type by content (not by name), size limit, and no zip bombs posing as .xlsx.
        limit = getattr(settings, "ACCOUNTS_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
        validate_upload(upload, kinds=("xlsx", "csv"), max_bytes=limit)
        return upload
