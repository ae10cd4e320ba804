"""Review before publishing, shared by every app that publishes through a Wagtail workflow.

``SecondPersonApprovalMixin`` makes a group-approval task refuse the submitter and anyone
who edited the revision under review (saved a revision since the live one): they cannot
approve a course, case, guideline or element analysis, even when they belong to a
reviewing group.

``publish_workflow_state`` is the finish action (``WAGTAIL_FINISH_WORKFLOW_ACTION``).
Wagtail's default publishes as the last approver and checks that they hold the publish
permission. Editors must not hold it (otherwise they could publish without review), and
reviewers get approval rights from the workflow task itself, so approval *is* the
permission: publish without the second check. Scheduled publishing still applies (an
approved revision with a go-live date waits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_noop

if TYPE_CHECKING:
    # What the mixin is mixed into, so its ``super()`` calls resolve.
    from wagtail.models import AbstractGroupApprovalTask as _TaskBase
else:
    _TaskBase = object

SELF_APPROVAL_REFUSED = gettext_noop(
    "The person who submitted this for review cannot approve it."
)


def involved_user_ids(obj, *, requested_by_id=None) -> set[int]:
    """Return the ids of the people who may not approve ``obj``'s pending change: the
    submitter and everyone who saved a revision since the live one (the edits under
    review). Two-person review means neither may approve."""
    ids: set[int] = set()
    if requested_by_id is None:
        state = getattr(obj, "current_workflow_state", None)
        requested_by_id = state.requested_by_id if state is not None else None
    if requested_by_id is not None:
        ids.add(requested_by_id)
    revisions = getattr(obj, "revisions", None)
    if revisions is not None:
        live_id = getattr(obj, "live_revision_id", None)
        if live_id is not None:
            revisions = revisions.filter(pk__gt=live_id)
        ids |= {pk for pk in revisions.values_list("user_id", flat=True) if pk}
    return ids


class SecondPersonApprovalMixin(_TaskBase):
    """Mix into a subclass of Wagtail's ``AbstractGroupApprovalTask``."""

    #: Shown when the submitter tries to approve; a subclass may say it in its own words.
    self_approval_message = SELF_APPROVAL_REFUSED

    @staticmethod
    def _submitter(obj):
        state = getattr(obj, "current_workflow_state", None)
        return state.requested_by if state is not None else None

    def get_actions(self, obj, user):
        if getattr(user, "pk", None) in involved_user_ids(obj):
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve" and getattr(user, "pk", None) in involved_user_ids(
            task_state.workflow_state.content_object,
            requested_by_id=task_state.workflow_state.requested_by_id,
        ):
            raise PermissionDenied(gettext(self.self_approval_message))
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return (
            super()
            .get_task_states_user_can_moderate(user, **kwargs)
            .exclude(workflow_state__requested_by=user)
        )


def publish_workflow_state(workflow_state, user=None) -> None:
    """Publish the latest revision of the workflow's object (the approved one), and the
    drafts the object carries into review with it (``review_carries()``: a course's
    lessons), so a reviewed course goes live with the lessons its reviewer saw."""
    obj = workflow_state.content_object
    revision = obj.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
    carries = getattr(getattr(obj, "specific", obj), "review_carries", None)
    for child in carries() if carries else []:
        latest = child.get_latest_revision()
        if latest is not None:
            latest.publish(user=user, skip_permission_checks=True)
