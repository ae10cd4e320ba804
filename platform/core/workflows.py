"""Review before publishing, shared by every app that publishes through a Wagtail workflow.

``SecondPersonApprovalMixin`` makes a group-approval task refuse the submitter: whoever
submitted a course, case, guideline or element analysis cannot approve it, even when they
belong to a reviewing group.

``publish_workflow_state`` is the finish action (``WAGTAIL_FINISH_WORKFLOW_ACTION``).
Wagtail's default publishes as the last approver and checks that they hold the publish
permission. Editors must not hold it (otherwise they could publish without review), and
reviewers get approval rights from the workflow task itself, so approval *is* the
permission: publish without the second check. Scheduled publishing still applies (an
approved revision with a go-live date waits).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_noop

SELF_APPROVAL_REFUSED = gettext_noop(
    "The person who submitted this for review cannot approve it."
)


class SecondPersonApprovalMixin:
    """Mix into a subclass of Wagtail's ``AbstractGroupApprovalTask``."""

    #: Shown when the submitter tries to approve; a subclass may say it in its own words.
    self_approval_message = SELF_APPROVAL_REFUSED

    @staticmethod
    def _submitter(obj):
        state = getattr(obj, "current_workflow_state", None)
        return state.requested_by if state is not None else None

    def get_actions(self, obj, user):
        submitter = self._submitter(obj)
        if submitter is not None and submitter.pk == user.pk:
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if (
            action_name == "approve"
            and task_state.workflow_state.requested_by_id == getattr(user, "pk", None)
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
