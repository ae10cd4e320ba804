"""The records' contribution to the role-aware home page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_review_offline
from core.home import HomeItem

from .models import (
    Assignment,
    AssignmentStatus,
    Certification,
    Notification,
    OfflineActivity,
    OfflineStatus,
)
from .selectors import item_type_label

# Item types whose app lists them on the home page itself (courses.home lists required
# courses with their progress, exams.selectors.home_items lists open exam sessions), so
# listing them here too would show each twice. Records lists only the items nobody else
# owns (generic courses, qualification and review exams registered straight in records).
# Guidelines to read are listed by casebank.reading.
OWNED_ELSEWHERE = ("course", "exam", "guideline")


def offline_report_url(item) -> str:
    """Where a person acts on a required item that has no page of its own (training
    held elsewhere): the offline training form, filled in with the item."""
    query = urlencode({"title": item.title, "hours": item.hours or ""})
    return f"{reverse('records:offline')}?{query}"


def records_home_items(request: HttpRequest) -> list[HomeItem]:
    """Return the person's overdue and soon-due required items, unread notifications,
    expiring certifications and (for unit admins) offline training awaiting review."""
    user = request.user
    if not user.is_authenticated:
        return []
    now = timezone.now()
    soon = now + timedelta(days=getattr(settings, "RECORDS_DUE_SOON_DAYS", 14))
    items: list[HomeItem] = []
    open_items = (
        Assignment.objects.filter(user=user, required=True, due_at__lt=soon)
        .exclude(status__in=[AssignmentStatus.COMPLETED, AssignmentStatus.WAIVED])
        .exclude(item__item_type__in=OWNED_ELSEWHERE)
        .select_related("item")
        .order_by("due_at")[:10]
    )
    for a in open_items:
        items.append(
            HomeItem(
                title=a.item.title,
                url=a.item.url or offline_report_url(a.item),
                kind=item_type_label(a.item.item_type),
                due=a.due_at,
                overdue=a.due_at is not None and a.due_at < now,
                note=_("Required"),
            )
        )
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    if unread:
        items.append(
            HomeItem(
                title=_("%(n)d unread notifications") % {"n": unread},
                url=reverse("records:notifications"),
                kind=_("Notice"),
            )
        )
    today = timezone.localdate(now)
    warn = today + timedelta(
        days=getattr(settings, "RECORDS_CERT_EXPIRY_WARN_DAYS", 90)
    )
    for cert in Certification.objects.filter(
        user=user, expires_at__gte=today, expires_at__lte=warn
    ):
        items.append(
            HomeItem(
                title=_("Renew: %(cert)s") % {"cert": cert},
                url=reverse("records:my_record"),
                kind=_("Certificate"),
                due=cert.expires_at,
            )
        )
    if can_review_offline(user):
        from accounts.selectors import visible_people

        pending = (
            OfflineActivity.objects.filter(
                status=OfflineStatus.PENDING, user__in=visible_people(user)
            )
            .exclude(user=user)
            .count()
        )
        if pending:
            items.append(
                HomeItem(
                    title=_("%(n)d offline training records to review")
                    % {"n": pending},
                    url=reverse("records:offline_review_list"),
                    kind=_("To review"),
                )
            )
    return items
