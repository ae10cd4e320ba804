"""System checks: no superuser in production, and the three system roles kept apart."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.db.models import Count

SUPERUSER_IN_PRODUCTION = "A superuser account exists in production mode."
SUPERUSER_HINT = (
    "Production needs no superuser: give the work to the system, security and audit "
    "admins (三员分立) and remove the flag with `manage.py shell` or the admin."
)


def _uses_database(databases) -> bool:
    return bool(databases) and "default" in databases


@register(Tags.security, deploy=True)
def check_no_superuser_in_production(app_configs=None, databases=None, **kwargs):
    """accounts.W001: warn when a superuser exists and PRODUCTION is on."""
    if not getattr(settings, "PRODUCTION", False) or not _uses_database(databases):
        return []
    from .models import User

    try:
        names = list(
            User.objects.filter(is_superuser=True).values_list("username", flat=True)[
                :5
            ]
        )
    except DatabaseError:
        return []
    if not names:
        return []
    return [
        Warning(
            SUPERUSER_IN_PRODUCTION,
            hint=f"{SUPERUSER_HINT} ({', '.join(names)})",
            id="accounts.W001",
        )
    ]


@register(Tags.security)
def check_separated_roles(app_configs=None, databases=None, **kwargs):
    """accounts.E002: an account holds two of system/security/audit admin."""
    if not _uses_database(databases):
        return []
    from .models import SEPARATED_SYSTEM_ROLES, RoleAssignment

    try:
        clashes = list(
            RoleAssignment.objects.filter(role__in=SEPARATED_SYSTEM_ROLES)
            .values("user__username")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("user__username", flat=True)
        )
    except DatabaseError:
        return []
    return [
        Error(
            f"{name} holds more than one of system/security/audit admin.",
            id="accounts.E002",
        )
        for name in clashes
    ]
