"""Who may link a new case: legal officers (法制员, whose tool it is) and leaders (who
review and approve case handling). Other roles search the same precedents and statutes
on the search page; what any user sees stays limited to their units either way.

Not trainers or unit admins (their work is training and people, not handling cases), nor
the separated system roles (三员分立: system, security and audit admins run the platform
and must not read case material). A Django superuser is let through (it can give itself
any role anyway).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

LINK_ROLES = ("legal_officer", "leader")

LINK_DENIED = _(
    "Case linking is for legal officers and leaders. You can still search cases and "
    "statutes on the search page; ask your unit admin for the legal officer role if your "
    "work needs it."
)


def can_link_cases(user: Any) -> bool:
    """Return whether ``user`` may use case linking (page, API, navigation); the rule is
    ``accounts.permissions.can_link_cases``."""
    from accounts.permissions import can_link_cases as rule

    return rule(user)


def audit_link_denied(request: Any, *, via: str) -> None:
    """Record a refused attempt (who, from where, through which door)."""
    from audit.models import AuditResult
    from audit.services import audit_log

    audit_log(
        action="search.link_case",
        actor=request.user,
        request=request,
        result=AuditResult.DENIED,
        details={"via": via, "reason": "role"},
    )
