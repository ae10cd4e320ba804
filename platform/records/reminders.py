"""Scheduled reminders: overdue and soon-due items to their owners, expiring
certifications, and a weekly digest to unit admins. Each notification is created through
``services.notification_send``, whose unique constraints make a rerun send nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment

from .models import Assignment, AssignmentStatus, Certification, NotificationKind
from .services import notification_send

DONE = (AssignmentStatus.COMPLETED, AssignmentStatus.WAIVED)


def _period(a: Assignment) -> str:
    # The assignment's period, or its due date when it has none: a new due date is a
    # new period and earns a new reminder; the same one never does.
    return a.period or (
        f"due:{timezone.localdate(a.due_at).isoformat()}" if a.due_at else ""
    )


def reminders_send(now: datetime | None = None) -> dict[str, int]:
    """Send overdue, due-soon and certification-expiry reminders; return counts sent."""
    now = now or timezone.now()
    days = getattr(settings, "RECORDS_DUE_SOON_DAYS", 14)
    counts = {"overdue": 0, "due_soon": 0, "cert_expiring": 0}
    base = (
        Assignment.objects.filter(
            required=True, due_at__isnull=False, user__is_active=True
        )
        .exclude(status__in=DONE)
        .select_related("user", "item")
    )
    for a in base.filter(due_at__lt=now).iterator(chunk_size=1000):
        note = notification_send(
            user=a.user,
            kind=NotificationKind.OVERDUE,
            item=a.item,
            period=_period(a),
            title=_("Overdue: %(item)s") % {"item": a.item.title},
            body=_("It was due on %(date)s.")
            % {"date": timezone.localdate(a.due_at).isoformat()},
            url=a.item.url or reverse("records:my_record"),
        )
        counts["overdue"] += note is not None
    for a in base.filter(
        due_at__gte=now, due_at__lt=now + timedelta(days=days)
    ).iterator(chunk_size=1000):
        note = notification_send(
            user=a.user,
            kind=NotificationKind.DUE_SOON,
            item=a.item,
            period=_period(a),
            title=_("Due soon: %(item)s") % {"item": a.item.title},
            body=_("Due on %(date)s.")
            % {"date": timezone.localdate(a.due_at).isoformat()},
            url=a.item.url or reverse("records:my_record"),
        )
        counts["due_soon"] += note is not None
    today = timezone.localdate(now)
    warn = today + timedelta(
        days=getattr(settings, "RECORDS_CERT_EXPIRY_WARN_DAYS", 90)
    )
    for cert in Certification.objects.filter(
        expires_at__gte=today, expires_at__lte=warn
    ).select_related("user"):
        note = notification_send(
            user=cert.user,
            kind=NotificationKind.CERT_EXPIRING,
            period=f"cert:{cert.pk}:{cert.expires_at}",
            title=_("%(cert)s expires on %(date)s: renew it")
            % {"cert": cert, "date": cert.expires_at},
            url=reverse("records:my_record"),
        )
        counts["cert_expiring"] += note is not None
    return counts


def digests_send(now: datetime | None = None) -> int:
    """Send each unit admin a weekly digest of their units (once per ISO week)."""
    from .selectors import (
        ReportFilter,
        at_risk_people,
        overdue_assignments,
        unit_report,
    )

    now = now or timezone.now()
    iso = timezone.localdate(now).isocalendar()
    period = f"{iso[0]}-W{iso[1]:02d}"
    flt = ReportFilter(year=timezone.localdate(now).year)
    sent = 0
    admins = RoleAssignment.objects.filter(
        role=Role.UNIT_ADMIN, user__is_active=True
    ).select_related("user", "scope_unit", "user__unit")
    for ra in admins:
        unit = ra.scope_unit or ra.user.unit
        if unit is None:
            continue
        report = unit_report(ra.user, unit, flt, now=now)
        overdue = overdue_assignments(unit, flt, now=now).count()
        at_risk = at_risk_people(unit, flt, now=now).count()
        lines: list[Any] = [
            _("Completion: %(rate)d%% (%(done)d of %(total)d required items)")
            % {
                "rate": report.totals.rate,
                "done": report.totals.done,
                "total": report.totals.total,
            },
            _("Overdue: %(n)d") % {"n": overdue},
            _("At risk of missing the yearly target: %(n)d") % {"n": at_risk},
        ]
        lines += [
            f"· {row.label}: {row.rate}%"
            for row in report.children
            if not row.extra.get("direct")
        ]
        note = notification_send(
            user=ra.user,
            kind=NotificationKind.DIGEST,
            period=period,
            title=_("Weekly training digest: %(unit)s") % {"unit": unit.name},
            body="\n".join(str(x) for x in lines),
            url=f"{reverse('records:reports')}?unit={unit.pk}",
        )
        sent += note is not None
    return sent


__all__ = ["digests_send", "reminders_send"]
