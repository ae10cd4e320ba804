"""Reading the audit log: only the audit admin may."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry


def can_read_audit_log(user) -> bool:
    """Return True for the audit admin (安全审计员), and nobody else
    (``accounts.permissions.can_read_audit_log``)."""
    from accounts.permissions import can_read_audit_log as rule

    return rule(user)


def audit_entry_list(
    *,
    actor: str = "",
    action: str = "",
    result: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Return entries newest first. ``action`` matches a prefix ("auth." finds every
    sign-in event); dates are whole local days, both inclusive."""
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_username__iexact=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if result:
        entries = entries.filter(result=result)
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(
            created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
        )
    if date_to:
        entries = entries.filter(
            created_at__lt=dt.datetime.combine(
                date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    return entries.order_by("-id")
