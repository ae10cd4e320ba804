"""Keep each person's Django groups equal to their roles, so Wagtail page permissions
(granted to the group named after a role) follow role changes."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import Role, RoleAssignment


def sync_groups(user) -> None:
    role_codes = set(user.role_assignments.values_list("role", flat=True))
    wanted = [Group.objects.get_or_create(name=code)[0] for code in role_codes]
    managed = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*[g for g in managed if g.name not in role_codes])
    user.groups.add(*wanted)
    user.forget_roles()


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def role_assignment_changed(sender, instance: RoleAssignment, **kwargs) -> None:
    sync_groups(instance.user)


# Sent after the commit of ``services.unit_move`` with ``unit_id`` and ``old_parent_id``.
# Scopes and visibility need nothing (they read the tree at query time); apps that keep
# rows derived from the tree, such as audiences "with sub-units", may re-sync on it.
unit_moved = Signal()
