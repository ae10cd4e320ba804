"""Keep rule-based assignments in step with the organisation: a person who joins, moves
unit, is disabled or re-enabled, changes post or 警种, or gains or loses a role gets every
assignment type recomputed (courses, exams, guidelines: ``records.assignables``); a unit
moved to another parent re-syncs every item that has rules. Work is queued after the
transaction commits; ``robust=True``: a broker that is down is logged, never raised to the
person saving (the nightly syncs catch up)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import RoleAssignment, User
from accounts.signals import unit_moved

# The fields of a person that rules read: a change to any of them is a transfer.
RULE_FIELDS = ("unit_id", "is_active", "post_id", "police_type_id")


def _enqueue_user(user_id: int) -> None:
    from .tasks import user_assignments_recompute_task

    transaction.on_commit(
        lambda: user_assignments_recompute_task.delay(user_id), robust=True
    )


# pre_save notes on the instance whether a rule field changed; post_save reads it. Kept in
# ``__dict__`` (not an attribute User declares), so the model's type stays honest.
TRANSFER_FLAG = "_records_transfer"


@receiver(pre_save, sender=User)
def remember_rule_fields(sender, instance: User, update_fields=None, **kwargs) -> None:
    watched = {*RULE_FIELDS, *(f.removesuffix("_id") for f in RULE_FIELDS)}
    if update_fields is not None and not watched & set(update_fields):
        instance.__dict__[TRANSFER_FLAG] = False
        return
    if instance.pk is None:
        instance.__dict__[TRANSFER_FLAG] = True
        return
    old = User.objects.filter(pk=instance.pk).values(*RULE_FIELDS).first()
    instance.__dict__[TRANSFER_FLAG] = old is None or tuple(
        old[f] for f in RULE_FIELDS
    ) != tuple(getattr(instance, f) for f in RULE_FIELDS)


@receiver(post_save, sender=User)
def user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    if created or instance.__dict__.get(TRANSFER_FLAG, False):
        _enqueue_user(instance.pk)


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def role_changed(sender, instance: RoleAssignment, **kwargs) -> None:
    _enqueue_user(instance.user_id)


@receiver(unit_moved)
def unit_moved_resync(sender, unit_id: int, **kwargs) -> None:
    """A subtree changed parent: people in it may enter or leave rules given "with
    subunits" by an ancestor. Re-sync every item that has rules (moves are rare)."""
    from .models import TrackedItem
    from .tasks import assignment_item_sync_task

    def enqueue() -> None:
        for pk in (
            TrackedItem.objects.filter(rules__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        ):
            assignment_item_sync_task.delay(pk)

    transaction.on_commit(enqueue, robust=True)
