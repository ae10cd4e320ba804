"""Guidelines (执法细则, 实战指引...) as required reading: an assignable type of
``records.AssignmentRule`` (registered in ``CasebankConfig.ready()``), and the reading
that completes the assignment on the person's record.

Only public guidelines can be assigned: a rule's audience is not filtered by the
restricted units, so a restricted guideline would be required of people who may not open
it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.home import HomeItem
from records.assignables import AssignableType
from records.models import Assignment, AssignmentStatus, TrackedItem, Verb
from records.services import (
    assignment_complete,
    learning_event_record,
    rule_assignments_recompute_user,
    rule_assignments_sync,
    tracked_item_upsert,
)

from .models import GuidelinePage, Visibility

ITEM_TYPE = "guideline"
NOT_REQUIRED_READING = _("This guideline is not required reading for you.")


def assignable_guidelines() -> QuerySet[GuidelinePage]:
    """The guidelines a rule may assign: live and public."""
    return GuidelinePage.objects.live().filter(visibility=Visibility.PUBLIC)


def guideline_tracked_item(*, guideline: GuidelinePage) -> TrackedItem:
    """Upsert and return the records item that stands for ``guideline``."""
    return tracked_item_upsert(
        item_type=ITEM_TYPE,
        item_id=guideline.pk,
        title=guideline.title,
        category="enforcement",
        hours=0,
        url=guideline.url or "",
        is_active=guideline.live and guideline.visibility == Visibility.PUBLIC,
    )


def guideline_reading_get(*, user: Any, guideline: GuidelinePage) -> Assignment | None:
    """Return ``user``'s required-reading assignment of ``guideline``, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Assignment.objects.filter(
            user=user,
            item__item_type=ITEM_TYPE,
            item__item_id=str(guideline.pk),
            required=True,
        )
        .select_related("item")
        .first()
    )


@transaction.atomic
def guideline_read(*, user: Any, guideline: GuidelinePage) -> Assignment:
    """Record that ``user`` has read ``guideline``, which was required reading for them:
    the assignment is completed (on their record) and a ``completed`` event written,
    once. Raise ValidationError when it is not required reading for them."""
    assignment = guideline_reading_get(user=user, guideline=guideline)
    if assignment is None or assignment.status == AssignmentStatus.WAIVED:
        raise ValidationError(NOT_REQUIRED_READING, code="not_required")
    now = timezone.now()
    assignment, newly = assignment_complete(
        user=user,
        item=assignment.item,
        completed_at=now,
        evidence={"read_at": now.isoformat()},
    )
    if newly:
        learning_event_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_type=ITEM_TYPE,
            object_id=guideline.pk,
            object_name=guideline.title,
            idempotency_key=f"guideline-read:{guideline.pk}:{user.pk}",
        )
    return assignment


def reading_home_items(request) -> list[HomeItem]:
    """Required reading not yet done, on the person's home page."""
    user = request.user
    if not user.is_authenticated:
        return []
    open_reading = (
        Assignment.objects.filter(user=user, item__item_type=ITEM_TYPE, required=True)
        .exclude(status__in=[AssignmentStatus.COMPLETED, AssignmentStatus.WAIVED])
        .select_related("item")
        .order_by("due_at", "item__title")[:10]
    )
    now = timezone.now()
    return [
        HomeItem(
            title=a.item.title,
            url=a.item.url,
            kind=str(_("Required reading")),
            due=a.due_at,
            overdue=bool(a.due_at and a.due_at < now),
            note=str(_("Required")),
        )
        for a in open_reading
    ]


def _choices() -> list[tuple[str, str]]:
    return [
        (str(pk), title)
        for pk, title in assignable_guidelines()
        .order_by("title")
        .values_list("pk", "title")
    ]


def _item(item_id: str):
    guideline = assignable_guidelines().filter(pk=item_id).first()
    return guideline_tracked_item(guideline=guideline) if guideline else None


def _sync(item: TrackedItem):
    guideline = GuidelinePage.objects.filter(pk=item.item_id).first()
    if guideline is not None:
        item = guideline_tracked_item(guideline=guideline)
    return rule_assignments_sync(item=item)


GUIDELINE = AssignableType(
    item_type=ITEM_TYPE,
    label=_("Guideline (required reading)"),
    choices=_choices,
    item=_item,
    sync=_sync,
    recompute_user=lambda user: rule_assignments_recompute_user(
        user=user, item_type=ITEM_TYPE
    ),
)


def _guideline_changed(sender, instance, **kwargs) -> None:
    """A guideline assigned by rules was published or unpublished: its item (title,
    link, active) and its audience follow, after the commit."""
    item = TrackedItem.objects.filter(item_type=ITEM_TYPE, item_id=str(instance.pk))
    if not item.filter(rules__isnull=False).exists():
        return
    from records.tasks import assignment_item_sync_task

    pk = item.values_list("pk", flat=True).first()
    if pk is None:
        return
    transaction.on_commit(lambda: assignment_item_sync_task.delay(pk), robust=True)


def connect_signals() -> None:
    from wagtail.signals import page_published, page_unpublished

    for signal in (page_published, page_unpublished):
        signal.connect(
            _guideline_changed,
            sender=GuidelinePage,
            dispatch_uid=f"casebank-reading-{signal is page_published}",
        )
