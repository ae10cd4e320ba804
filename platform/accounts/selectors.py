"""Reads about units and people. ``visible_units`` is the one answer to "which units may
this user see"; every list, export and API that shows people or unit data uses it."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from .models import SCOPED_MANAGER_ROLES, PoliceType, Post, Role, Unit, User


def unit_scope_roots(user: User) -> list[Unit]:
    """Return the roots of the subtrees ``user`` manages (unit admin, leader roles)."""
    # Most people hold no such role: their role codes (read once per request) say so
    # without another query.
    if not user.is_authenticated or not user.get_role_codes() & SCOPED_MANAGER_ROLES:
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
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_role(Role.SYSTEM_ADMIN))
    )


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
    return Unit.objects.filter(
        reduce(or_, (Q(path__startswith=root.path) for root in roots))
    )


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


def can_manage_people(user: User) -> bool:
    """Return True for the accounts that open the people pages (each sees its own scope)."""
    return bool(
        user.is_authenticated
        and (
            sees_all_units(user)
            or user.has_role(Role.SECURITY_ADMIN)
            or bool(unit_scope_roots(user))
        )
    )


def directory_units(user: User) -> QuerySet[Unit]:
    """Return the units shown on the people pages: ``visible_units``, and every unit for
    the security admin, who assigns roles across the organisation."""
    if user.is_authenticated and user.has_role(Role.SECURITY_ADMIN):
        return Unit.objects.all()
    return visible_units(user)


def directory_people(user: User) -> QuerySet[User]:
    """Return the people listed on the people pages (see ``directory_units``)."""
    if user.is_authenticated and user.has_role(Role.SECURITY_ADMIN):
        return User.objects.all()
    return visible_people(user)


def person_list(
    *,
    user: User,
    query: str = "",
    unit: Unit | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """Return the people ``user`` may see, filtered; ``unit`` includes its subtree."""
    people = (
        directory_people(user)
        .select_related("unit")
        .prefetch_related("role_assignments")
    )
    if query:
        people = people.filter(
            Q(full_name__icontains=query)
            | Q(police_number__icontains=query)
            | Q(username__icontains=query)
        )
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if role:
        people = people.filter(role_assignments__role=role)
    if active is not None:
        people = people.filter(is_active=active)
    return people.distinct().order_by("unit__path", "police_number", "username")


def vocabulary_term(model: type[Post] | type[PoliceType], text: str) -> Any:
    """Return the active term of ``model`` (``Post``, ``PoliceType``) named ``text``,
    spaces ignored, or None when no term matches."""
    name = "".join((text or "").split())
    if not name:
        return None
    return model.objects.filter(name=name, is_active=True).first()
