"""Writes about people and roles. Role changes go through ``user_set_roles``."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log

from .models import (
    SCOPED_MANAGER_ROLES,
    SEPARATED_ROLES_CONFLICT,
    SEPARATED_SYSTEM_ROLES,
    PoliceType,
    Post,
    Role,
    RoleAssignment,
    Unit,
    User,
    VocabularyTerm,
)

UNKNOWN_ROLE = _("Unknown role: %(role)s")
NOT_ALLOWED_TO_ASSIGN = _("Only the security admin may change role assignments.")
NO_SELF_ASSIGNMENT = _("Nobody may change their own roles.")
SCOPE_OUTSIDE_UNIT = _("A scope must be a unit.")
NOT_ALLOWED_TO_RESET = _("You may not set a temporary password for this person.")
NOT_ALLOWED_TO_MOVE = _(
    "You may move only units inside the units you manage, to a parent inside them."
)
MOVE_INTO_ITSELF = _(
    "A unit cannot be moved under itself or one of its own sub-units (%(unit)s → %(parent)s)."
)
MOVE_SAME_PARENT = _("%(unit)s is already directly under %(parent)s.")
MOVE_TO_TOP_DENIED = _("Only the system admin may make a unit a top-level unit.")

# Temporary passwords are handed out on paper: no look-alike characters (0/O, 1/l/I).
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105
# A temporary password is 12 random characters (about 69 bits), not a guessable human
# choice, so it does not need the full work factor (PBKDF2 at 1,000,000 rounds, ~0.37 s of
# CPU each here; Argon2id ~25 ms), which would make an import of 10,000 people slow; 5,000
# rounds (~1.8 ms) still leave 2^69 guesses out of reach. Django re-hashes it at the full
# cost at the first sign-in (``must_update``), and the person replaces it right after.
TEMPORARY_PASSWORD_ITERATIONS = 5_000


def can_manage_roles(user: User) -> bool:
    """Return True for the accounts that may change role assignments (security admin);
    the rule is ``accounts.permissions.can_manage_roles``."""
    from .permissions import can_manage_roles as rule

    return rule(user)


def check_separated_roles(roles: Iterable[str]) -> None:
    """Raise ValidationError when ``roles`` hold two of the three separated system roles."""
    if len(set(roles) & SEPARATED_SYSTEM_ROLES) > 1:
        raise ValidationError(SEPARATED_ROLES_CONFLICT, code="separated_roles")


@transaction.atomic
def roles_replace(
    *, user: User, roles: Iterable[str], scope_unit: Unit | None = None
) -> tuple[set[str], set[str]]:
    """Make ``user``'s roles exactly ``roles`` and return (before, after).

    No permission check: callers (``user_set_roles``, the people import) decide who may
    do this. The person's row is locked first, and the rule is checked again against
    the rows as stored, so two concurrent changes cannot together break the separation.
    """
    wanted = {str(r) for r in roles}
    for role in wanted:
        if role not in Role.values:
            raise ValidationError(
                UNKNOWN_ROLE, code="unknown_role", params={"role": role}
            )
    check_separated_roles(wanted)
    User.objects.select_for_update().filter(pk=user.pk).first()
    before = set(
        RoleAssignment.objects.filter(user=user).values_list("role", flat=True)
    )
    RoleAssignment.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in wanted:
        scope = scope_unit if role in SCOPED_MANAGER_ROLES else None
        assignment = RoleAssignment.objects.filter(user=user, role=role).first()
        if assignment is None:
            assignment = RoleAssignment(user=user, role=role, scope_unit=scope)
            assignment.full_clean(validate_constraints=False)
            assignment.save()
        elif (
            role in SCOPED_MANAGER_ROLES
            and scope_unit is not None
            and assignment.scope_unit_id != scope_unit.pk
        ):
            assignment.scope_unit = scope_unit
            assignment.save(update_fields=["scope_unit"])
    after = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    check_separated_roles(
        after
    )  # rolls the transaction back if a concurrent writer slipped in
    user.forget_roles()
    return before, after


@transaction.atomic
def user_set_roles(
    *, actor: User, user: User, roles: Iterable[str], scope_unit: Unit | None = None
) -> set[str]:
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
        from .authentication import api_tokens_revoke

        api_tokens_revoke(user=user, reason="role_change", actor=actor)
    return after


# Temporary passwords ------------------------------------------------------------------


def temporary_password_generate() -> str:
    """Return a fresh random temporary password such as ``Kx7m-P3qh-9Tzw``.

    Three groups of four characters without look-alikes; always a symbol, and letters
    and digits, so it passes the character-class rule.
    """
    while True:
        chars = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _i in range(12))
        if any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars):
            return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def temporary_password_hash(password: str) -> str:
    """Return the stored form of a temporary password (see TEMPORARY_PASSWORD_ITERATIONS):
    PBKDF2 at the reduced cost whenever PBKDF2 is among the configured hashers, even when
    another (Argon2id) is preferred; the first sign-in re-hashes it with the preferred one."""
    try:
        hasher = get_hasher("pbkdf2_sha256")
    except ValueError:  # PBKDF2 not configured (the tests' MD5 hasher)
        return make_password(password)
    if not isinstance(hasher, PBKDF2PasswordHasher):
        return make_password(password)
    return hasher.encode(
        password, hasher.salt(), iterations=TEMPORARY_PASSWORD_ITERATIONS
    )


def temporary_password_set(*, user: User, now: datetime | None = None) -> str:
    """Give ``user`` a new temporary password (not saved) and return it in plain text.

    The person must change it at the next sign-in, and cannot sign in with it after
    ``ACCOUNTS_TEMPORARY_PASSWORD_DAYS``. Callers save the fields
    ``TEMPORARY_PASSWORD_FIELDS`` and show the password once.
    """
    password = temporary_password_generate()
    user.password = temporary_password_hash(password)
    user.must_change_password = True
    user.temporary_password_expires_at = (now or timezone.now()) + timedelta(
        days=settings.ACCOUNTS_TEMPORARY_PASSWORD_DAYS
    )
    return password


TEMPORARY_PASSWORD_FIELDS = [
    "password",
    "must_change_password",
    "temporary_password_expires_at",
]


# 三员分立: accounts the system admin may not reset, disable or take over.
GUARDED_ROLES = (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def can_reset_password(actor: User, person: User) -> bool:
    """Return True when ``actor`` may give ``person`` a temporary password.

    The system admin may for anyone but the security and audit admins; a unit admin for
    people in their units, except holders of the separated system roles. The security
    and audit admins' accounts are the security admin's (三员分立: the system admin
    cannot take them over). Nobody resets their own password this way.
    """
    from .selectors import can_see_person, sees_all_units

    if not actor.is_authenticated or actor.pk == person.pk:
        return False
    if person.has_role(*GUARDED_ROLES):
        return actor.has_role(Role.SECURITY_ADMIN)
    if sees_all_units(actor):
        return True
    return (
        actor.has_role(Role.UNIT_ADMIN)
        and can_see_person(actor, person)
        and not person.has_role(*SEPARATED_SYSTEM_ROLES)
    )


@transaction.atomic
def user_reset_password(*, actor: User, user: User, request: Any = None) -> str:
    """Give ``user`` a temporary password, audit it and return it (to be shown once).

    Raises PermissionDenied when ``actor`` may not (see ``can_reset_password``).
    """
    if not can_reset_password(actor, user):
        raise PermissionDenied(NOT_ALLOWED_TO_RESET)
    password = temporary_password_set(user=user)
    user.save(update_fields=TEMPORARY_PASSWORD_FIELDS)
    audit_log(
        action="accounts.password_reset",
        actor=actor,
        request=request,
        target=user,
        details={
            "expires_at": expires_at.isoformat()
            if (expires_at := user.temporary_password_expires_at)
            else None
        },
    )
    from .authentication import api_tokens_revoke

    api_tokens_revoke(user=user, reason="password_reset", actor=actor, request=request)
    return password


def password_changed(*, user: User, request: Any = None) -> None:
    """Record that ``user`` chose a new password; clear any temporary-password flag; audit.

    A temporary password replaced is audited as ``auth.temporary_password_replaced``,
    any other change as ``auth.password_change``.
    """
    was_temporary = user.must_change_password
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now(),
        must_change_password=False,
        temporary_password_expires_at=None,
    )
    user.must_change_password = False
    user.temporary_password_expires_at = None
    action = (
        "auth.temporary_password_replaced" if was_temporary else "auth.password_change"
    )
    audit_log(action=action, actor=user, request=request, target=user)


# Moving units -------------------------------------------------------------------------


def unit_admin_roots(user: User) -> list[Unit]:
    """Return the roots of the subtrees ``user`` administers as unit admin (not leader)."""
    roots = []
    for assignment in user.role_assignments.select_related("scope_unit"):
        if assignment.role == Role.UNIT_ADMIN:
            root = assignment.scope_unit or user.unit
            if root is not None:
                roots.append(root)
    return roots


def can_move_unit(actor: User, unit: Unit, new_parent: Unit | None) -> bool:
    """Return True when ``actor`` may move ``unit`` under ``new_parent`` (None: top level).

    The system admin may move any unit; a unit admin only a unit strictly below a subtree
    they administer, to a parent inside the same kind of subtree (never to the top).
    """
    from .selectors import sees_all_units

    if not actor.is_authenticated:
        return False
    if sees_all_units(actor):
        return True
    if new_parent is None:
        return False
    roots = unit_admin_roots(actor)
    # Strictly below: a unit admin may not move the unit they administer out of their reach.
    unit_ok = any(unit.path.startswith(r.path) and unit.pk != r.pk for r in roots)
    return unit_ok and any(new_parent.path.startswith(r.path) for r in roots)


def unit_move_targets(*, actor: User, unit: Unit) -> QuerySet[Unit]:
    """Return the units ``actor`` may choose as the new parent of ``unit`` (its own
    subtree and its current parent excluded)."""
    from .selectors import sees_all_units

    if sees_all_units(actor):
        targets = Unit.objects.all()
    else:
        roots = unit_admin_roots(actor)
        if not roots:
            return Unit.objects.none()
        targets = Unit.objects.filter(
            reduce(or_, (Q(path__startswith=r.path) for r in roots))
        )
    parent_path = unit.path[: -Unit.steplen]
    return (
        targets.exclude(path__startswith=unit.path)
        .exclude(path=parent_path)
        .order_by("path")
    )


def unit_path_display(unit: Unit) -> str:
    """Return ``unit``'s place in the tree as codes from the top: ``370100/370101/37010101``."""
    return "/".join(a.code for a in [*unit.get_ancestors(), unit])


@transaction.atomic
def unit_move(
    *, actor: User, unit: Unit, new_parent: Unit | None, request: Any = None
) -> Unit:
    """Move ``unit`` (with its whole subtree) under ``new_parent``, or to the top level.

    Role scopes and everything scoped by the tree follow by themselves: they point at
    units, and subtrees are read from the paths at query time. Raises PermissionDenied
    (see ``can_move_unit``) and ValidationError for a move under the unit itself or one
    of its sub-units, or to where it already is. Audited with the old and new path;
    sends ``accounts.signals.unit_moved`` after the commit.
    """
    from .signals import unit_moved

    # Every unit row is locked: a concurrent move elsewhere in the tree rewrites paths
    # that the cycle check and treebeard's move read. Unit tables are small (thousands).
    list(Unit.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    unit = Unit.objects.get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk) if new_parent is not None else None
    if not can_move_unit(actor, unit, new_parent):
        raise PermissionDenied(NOT_ALLOWED_TO_MOVE)
    old_parent = unit.get_parent()
    if new_parent is not None and new_parent.is_within(unit):
        raise ValidationError(
            MOVE_INTO_ITSELF,
            code="cycle",
            params={"unit": unit.name, "parent": new_parent.name},
        )
    if (old_parent.pk if old_parent else None) == (
        new_parent.pk if new_parent else None
    ):
        raise ValidationError(
            MOVE_SAME_PARENT,
            code="same_parent",
            params={
                "unit": unit.name,
                "parent": new_parent.name if new_parent else "—",
            },
        )
    old_path, old_tree_path = unit_path_display(unit), unit.path
    subtree_size = unit.subtree().count()
    if new_parent is not None:
        unit.move(new_parent, pos="sorted-child")
    else:
        unit.move(Unit.get_first_root_node(), pos="sorted-sibling")
    unit = Unit.objects.get(pk=unit.pk)
    audit_log(
        action="accounts.unit_move",
        actor=actor,
        request=request,
        target=unit,
        details={
            "old_path": old_path,
            "new_path": unit_path_display(unit),
            "old_parent": old_parent.code if old_parent else None,
            "new_parent": new_parent.code if new_parent else None,
            "old_tree_path": old_tree_path,
            "new_tree_path": unit.path,
            "units_moved": subtree_size,
        },
    )
    unit_id, old_parent_id = unit.pk, old_parent.pk if old_parent else None
    transaction.on_commit(
        lambda: unit_moved.send(
            sender=Unit, unit_id=unit_id, old_parent_id=old_parent_id
        )
    )
    return unit


# Checked HR sheets waiting to be applied -------------------------------------------------

PENDING_IMPORTS_DIR = "imports"


def secrets_ttl_seconds() -> int:
    return int(getattr(settings, "ACCOUNTS_SECRETS_TTL_SECONDS", 30 * 60))


def pending_import_save(data: bytes, *, suffix: str) -> str:
    """Keep a checked sheet until it is applied: sealed (``core.sealed``), under
    ``imports/`` with a random name. Return its storage name."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from core.sealed import seal

    return default_storage.save(
        f"{PENDING_IMPORTS_DIR}/{uuid.uuid4().hex}{suffix}", ContentFile(seal(data))
    )


def pending_import_read(name: str) -> bytes:
    """Return a kept sheet's bytes; raise ``core.sealed.SealExpired`` (and delete it)
    when it is older than ``ACCOUNTS_SECRETS_TTL_SECONDS``."""
    from django.core.files.storage import default_storage

    from core.sealed import SealExpired, unseal

    with default_storage.open(name, "rb") as handle:
        token = handle.read()
    try:
        return unseal(token, max_age=secrets_ttl_seconds())
    except SealExpired:
        default_storage.delete(name)
        raise


def pending_imports_purge(*, now: datetime | None = None) -> int:
    """Delete kept sheets older than ``ACCOUNTS_SECRETS_TTL_SECONDS`` (checked, never
    applied); return how many. Run by the beat job ``accounts.purge_pending_imports``."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=secrets_ttl_seconds())
    try:
        _dirs, files = default_storage.listdir(PENDING_IMPORTS_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for filename in files:
        name = f"{PENDING_IMPORTS_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def vocabulary_term_ensure(model: type[Post] | type[PoliceType], name: str) -> Any:
    """Return the term of ``model`` named ``name`` (spaces dropped), creating it when
    missing; None for an empty name. For seeders and admins' own lists only: imports
    match existing terms (``selectors.vocabulary_term``) and never add any."""
    name = "".join((name or "").split())
    if not name:
        return None
    term, _created = model.objects.get_or_create(name=name)
    return term


VOCABULARY_TERM_EXISTS = _("This term is already in the list.")


@transaction.atomic
def vocabulary_term_add(
    *,
    actor: User,
    model: type[Post] | type[PoliceType],
    name: str,
    request: Any = None,
) -> VocabularyTerm:
    """Add a term to a vocabulary (``Post`` or ``PoliceType``). Audited. Raise
    ValidationError for an empty name or one already in the list."""
    name = "".join((name or "").split())
    if model.objects.filter(name=name).exists():
        raise ValidationError(VOCABULARY_TERM_EXISTS, code="exists")
    term = model(name=name, sort_order=model.objects.count())
    term.full_clean()
    term.save()
    audit_log(
        action="accounts.vocabulary_add",
        actor=actor,
        request=request,
        target=term,
        details={"vocabulary": model._meta.model_name, "name": name},
    )
    return term


@transaction.atomic
def vocabulary_term_set_active(
    *, actor: User, term: Post | PoliceType, active: bool, request: Any = None
) -> VocabularyTerm:
    """Retire a term (no longer offered; people and rules keep it) or bring it back."""
    type(term).objects.filter(pk=term.pk).update(is_active=active)
    term.is_active = active
    audit_log(
        action="accounts.vocabulary_set_active",
        actor=actor,
        request=request,
        target=term,
        details={"vocabulary": term._meta.model_name, "active": active},
    )
    return term


@transaction.atomic
def person_post_set(
    *,
    actor: User,
    person: User,
    post: Any,
    police_type: Any,
    request: Any = None,
) -> User:
    """Set ``person``'s post (岗位) and police type (警种). Audited; the save makes
    ``records.signals`` recompute their assignments (a change of post is a transfer)."""
    before = {
        "post": str(person.post or ""),
        "police_type": str(person.police_type or ""),
    }
    person.post = post
    person.police_type = police_type
    if police_type is not None:
        person.police_type_text = ""
    person.save(update_fields=["post", "police_type", "police_type_text"])
    audit_log(
        action="accounts.person_post_set",
        actor=actor,
        request=request,
        target=person,
        details={
            "before": before,
            "after": {"post": str(post or ""), "police_type": str(police_type or "")},
        },
    )
    return person
