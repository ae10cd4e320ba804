"""Password rules beyond Django's: three character classes, not the police number."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)


class CharacterClassValidator:
    """Require characters from ``min_classes`` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(1 for pattern in _CLASSES if pattern.search(password))
        if found < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(n)d of: lower case, upper case, digits, symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must mix at least %(n)d kind of character.",
            "Your password must mix at least %(n)d kinds of character (lower, upper, digit, symbol).",
            self.min_classes,
        ) % {"n": self.min_classes}


class NotPoliceNumberValidator:
    """Refuse a password that contains the person's police number (警号)."""

    def validate(self, password: str, user: Any = None) -> None:
        number = getattr(user, "police_number", None) if user is not None else None
        if number and number.lower() in password.lower():
            raise ValidationError(
                _("The password must not contain your police number."),
                code="password_contains_police_number",
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your police number.")
