"""Home-page items for the people who look after accounts."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from django_otp.plugins.otp_totp.models import TOTPDevice

from core.home import HomeItem

from .http import AuthenticatedHttpRequest
from .models import User
from .permissions import can_manage_roles
from .selectors import sees_all_units


def account_home_items(request: AuthenticatedHttpRequest) -> list[HomeItem]:
    user = request.user
    items: list[HomeItem] = []
    if can_manage_roles(user):
        missing = (
            User.objects.filter(
                is_active=True,
                role_assignments__role__in=settings.ACCOUNTS_TWO_FACTOR_ROLES,
            )
            .exclude(
                Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
            .distinct()
            .count()
        )
        if missing:
            items.append(
                HomeItem(
                    title=_(
                        "%(n)d admin or trainer accounts have not set up two-factor sign-in"
                    )
                    % {"n": missing},
                    url=reverse("accounts:people"),
                    kind=_("Security"),
                )
            )
    if sees_all_units(user):
        homeless = User.objects.filter(is_active=True, unit__isnull=True).count()
        if homeless:
            items.append(
                HomeItem(
                    title=_("%(n)d active accounts belong to no unit")
                    % {"n": homeless},
                    url=reverse("accounts:people"),
                    kind=_("Accounts"),
                )
            )
    return items
