"""Writes about people and roles. Role changes go through ``user_set_roles``."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log

from .models import (
    SCOPED_MANAGER_ROLES,
    SEPARATED_ROLES_CONFLICT,
    SEPARATED_SYSTEM_ROLES,
    Role,
    RoleAssignment,
    Unit,
    User,
)

UNKNOWN_ROLE = _("Unknown role: %(role)s")
NOT_ALLOWED_TO_ASSIGN = _("Only the security admin may change role assignments.")
NO_SELF_ASSIGNMENT = _("Nobody may change their own roles.")
SCOPE_OUTSIDE_UNIT = _("A scope must be a unit.")


def can_manage_roles(user: User) -> bool:
    """Return True for the accounts that may change role assignments (security admin)."""
    return bool(user.is_authenticated and user.has_role(Role.SECURITY_ADMIN))


def check_separated_roles(roles: Iterable[str]) -> None:
    """Raise ValidationError when ``roles`` hold two of the three separated system roles."""
    if len(set(roles) & SEPARATED_SYSTEM_ROLES) > 1:
        raise ValidationError(SEPARATED_ROLES_CONFLICT, code="separated_roles")


@transaction.atomic
def roles_replace(*, user: User, roles: Iterable[str], scope_unit: Unit | None = None) -> tuple[set[str], set[str]]:
    """Make ``user``'s roles exactly ``roles`` and return (before, after).

    No permission check: callers (``user_set_roles``, the people import) decide who may
    do this. The person's row is locked first, and the rule is checked again against
    the rows as stored, so two concurrent changes cannot together break the separation.
    """
    wanted = {str(r) for r in roles}
    for role in wanted:
        if role not in Role.values:
            raise ValidationError(UNKNOWN_ROLE, code="unknown_role", params={"role": role})
    check_separated_roles(wanted)
    User.objects.select_for_update().filter(pk=user.pk).first()
    before = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    RoleAssignment.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in wanted:
        scope = scope_unit if role in SCOPED_MANAGER_ROLES else None
        assignment = RoleAssignment.objects.filter(user=user, role=role).first()
        if assignment is None:
            assignment = RoleAssignment(user=user, role=role, scope_unit=scope)
            assignment.full_clean(validate_constraints=False)
            assignment.save()
        elif role in SCOPED_MANAGER_ROLES and scope_unit is not None and assignment.scope_unit_id != scope_unit.pk:
            assignment.scope_unit = scope_unit
            assignment.save(update_fields=["scope_unit"])
    after = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    check_separated_roles(after)  # rolls the transaction back if a concurrent writer slipped in
    user.forget_roles()
    return before, after


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[str], scope_unit: Unit | None = None) -> set[str]:
    """Set ``user``'s roles (the security admin's job) and audit the change.

    Raises PermissionDenied when ``actor`` is not the security admin or changes their
    own roles, and ValidationError for unknown roles or two separated system roles.
    Returns the roles ``user`` holds afterwards.
    """
    if not can_manage_roles(actor):
        raise PermissionDenied(NOT_ALLOWED_TO_ASSIGN)
    if actor.pk == user.pk:
        raise PermissionDenied(NO_SELF_ASSIGNMENT)
    before, after = roles_replace(user=user, roles=roles, scope_unit=scope_unit)
    if before != after:
        audit_log(
            action="accounts.role_change",
            actor=actor,
            target=user,
            details={
                "before": sorted(before),
                "after": sorted(after),
                "added": sorted(after - before),
                "removed": sorted(before - after),
                "scope_unit": scope_unit.code if scope_unit else None,
            },
        )
    return after
