"""Reads about units and people. ``visible_units`` is the one answer to "which units may
this user see"; every list, export and API that shows people or unit data uses it."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import SCOPED_MANAGER_ROLES, Role, Unit, User


def unit_scope_roots(user: User) -> list[Unit]:
    """Return the roots of the subtrees ``user`` manages (unit admin, leader roles)."""
    if not user.is_authenticated:
        return []
    roots: list[Unit] = []
    for assignment in user.role_assignments.select_related("scope_unit"):
        if assignment.role in SCOPED_MANAGER_ROLES:
            root = assignment.scope_unit or user.unit
            if root is not None:
                roots.append(root)
    return roots


def sees_all_units(user: User) -> bool:
    """Return True for the accounts that look after the whole organisation."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.SYSTEM_ADMIN)))


def visible_units(user: User) -> QuerySet[Unit]:
    """Return the units whose people and records ``user`` may see.

    A unit admin or leader sees their subtree; the system admin sees every unit; anyone
    else sees no unit's data but their own (see ``visible_people``).
    """
    if sees_all_units(user):
        return Unit.objects.all()
    roots = unit_scope_roots(user)
    if not roots:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=root.path) for root in roots)))


def can_see_unit(user: User, unit: Unit | None) -> bool:
    """Return True when ``unit`` lies inside ``user``'s scope."""
    if unit is None:
        return sees_all_units(user)
    if sees_all_units(user):
        return True
    return any(unit.path.startswith(root.path) for root in unit_scope_roots(user))


def visible_people(user: User) -> QuerySet[User]:
    """Return the people ``user`` may see: everyone in their units, and themselves."""
    if not user.is_authenticated:
        return User.objects.none()
    if sees_all_units(user):
        return User.objects.all()
    roots = unit_scope_roots(user)
    condition = Q(pk=user.pk)
    for root in roots:
        condition |= Q(unit__path__startswith=root.path)
    return User.objects.filter(condition)


def can_see_person(user: User, person: User) -> bool:
    """Return True when ``person`` is ``user`` or lies in ``user``'s units."""
    return person.pk == user.pk or can_see_unit(user, person.unit)
