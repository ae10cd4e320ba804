"""One group per role (Wagtail page permissions are granted to the group named after a
role, see ``signals.sync_groups``) and admin access for the roles that work there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from .models import Role

ORDER = 0

#: Groups (one per role) that may open the Wagtail admin.
ADMIN_ACCESS_ROLES = [
    Role.TRAINER,
    Role.LEGAL_OFFICER,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
]


def role_groups_setup() -> list[Group]:
    """Create the group of every role and let the admin roles open the admin.
    Idempotent; return the groups."""
    groups = [Group.objects.get_or_create(name=role)[0] for role in Role.values]
    permission = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if permission is not None:
        for group in groups:
            if group.name in ADMIN_ACCESS_ROLES:
                group.permissions.add(permission)
    return groups


def bootstrap(command: Any = None) -> None:
    groups = role_groups_setup()
    if command is not None and command.verbosity >= 1:
        command.stdout.write(f"  角色组：{len(groups)}")
