"""Home-page items for the audit admin."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import HomeItem

from .models import AuditEntry
from .selectors import can_read_audit_log


def audit_home_items(request: HttpRequest) -> list[HomeItem]:
    if not can_read_audit_log(request.user):
        return []
    since = timezone.now() - dt.timedelta(hours=24)
    recent = AuditEntry.objects.filter(created_at__gte=since)
    failed = recent.filter(action="auth.login_failed").count()
    lockouts = recent.filter(action="auth.lockout").count()
    denied = (
        recent.filter(result="denied")
        .exclude(action__in=["auth.lockout", "auth.login_blocked"])
        .count()
    )
    items = [
        HomeItem(
            title=_(
                "Last 24 hours: %(failed)d failed sign-ins, %(lockouts)d lockouts, %(denied)d refused accesses"
            )
            % {"failed": failed, "lockouts": lockouts, "denied": denied},
            url=f"{reverse('audit:log')}?action=auth.&result=failure",
            kind=_("Audit"),
            overdue=lockouts > 0,
        )
    ]
    return items
