"""How an approved workflow goes live.

Wagtail's default finish action publishes as the last approver and checks that they
hold the publish permission. Course editors must not hold it (otherwise they could
publish without review), and the reviewers are given approval rights by the workflow
task itself, so approval *is* the permission: publish without the second check.
Scheduled publishing still applies (an approved revision with a go-live date waits).
"""

from __future__ import annotations


def publish_workflow_state(workflow_state, user=None) -> None:
    """Publish the latest revision of the workflow's object (the approved one)."""
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
