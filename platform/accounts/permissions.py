"""One authorization layer: named predicates, and the decorator, mixin and DRF permission
class built from them.

Every view, API endpoint, navigation entry and Wagtail hook asks a predicate here instead
of testing roles itself, so the rule for "who may mark", "who may read this restricted
case" or "who may export people" is written once, and the two-factor rule travels with it:
a predicate marked ``two_factor=True`` is refused to a session without a verified second
factor, whatever URL it is used under (see docs/security.md).

    from accounts.permissions import can_mark, permission_required

    @permission_required(can_mark)
    def marking_queue(request): ...

    class PeopleViewSet(...):
        permission_classes = [HasPermission.for_(can_manage_people)]

    case = get_object_for(request, can_read_case, CasePage.objects.live(), pk=pk)  # 404

Predicates take ``(user)`` or ``(user, obj)`` and return a bool; they never raise. They
only read roles, units and the object, so platform apps can hold rules about domain
objects without importing them (an object is "restricted material" when it has
``visibility == "restricted"`` and ``restricted_units``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rest_framework.permissions import BasePermission

from .models import SEPARATED_SYSTEM_ROLES, Role

ROLE_REFUSED = _("Your roles do not allow this.")
TWO_FACTOR_NEEDED = _(
    "This function needs two-factor verification. Sign in again with your authenticator."
)
RESTRICTED_VISIBILITY = "restricted"

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])
_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Predicate:
    """A named rule. ``check(user[, obj])`` decides; ``two_factor`` says whether passing it
    also needs a verified second factor in the session; ``message`` is the refusal."""

    name: str
    check: Callable[..., bool]
    two_factor: bool = False
    message: Any = ROLE_REFUSED
    takes_object: bool = False
    doc: str = field(default="", compare=False)

    def __call__(self, user, obj=None) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if not getattr(user, "is_active", True):
            return False
        if self.takes_object:
            return bool(self.check(user, obj))
        return bool(self.check(user))


REGISTRY: dict[str, Predicate] = {}


def predicate(
    *,
    two_factor: bool = False,
    message: Any = ROLE_REFUSED,
    takes_object: bool = False,
) -> Callable[[Callable[..., bool]], Predicate]:
    """Register a function as a named predicate (its name is the function's name)."""

    def register(func: Callable[..., bool]) -> Predicate:
        rule = Predicate(
            name=func.__name__,
            check=func,
            two_factor=two_factor,
            message=message,
            takes_object=takes_object,
            doc=(func.__doc__ or "").strip(),
        )
        REGISTRY[rule.name] = rule
        return rule

    return register


# Building blocks --------------------------------------------------------------------------


def holds(user, *roles: str) -> bool:
    """Return True when ``user`` holds any of ``roles`` (a superuser holds every role)."""
    return bool(user.is_superuser or user.has_role(*roles))


def holds_separated_role(user) -> bool:
    """Return True for holders of the separated system roles (三员分立)."""
    return user.has_role(*SEPARATED_SYSTEM_ROLES)


def two_factor_fresh(request_or_user) -> bool:
    """Return True when the session behind ``request_or_user`` passed TOTP verification.

    Verification lasts for the session, which ends after ``SESSION_COOKIE_AGE`` and after
    ``ACCOUNTS_IDLE_TIMEOUT_SECONDS`` without a request; so it is never older than that.
    Token-authenticated requests pass only with a token of the people scope issued after a
    two-factor check (``accounts.models.APITokenGrant``).
    """
    if not getattr(settings, "ACCOUNTS_TWO_FACTOR_REQUIRED", True):
        return True
    user = getattr(request_or_user, "user", request_or_user)
    grant = getattr(getattr(request_or_user, "auth", None), "grant", None)
    if grant is not None:
        # A Bearer token: two-factor functions need the people scope and a token issued
        # after a two-factor check of its holder.
        return bool(grant.two_factor and grant.scope == "people")
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


# Platform predicates ----------------------------------------------------------------------


@predicate(two_factor=True)
def can_manage_roles(user) -> bool:
    """Grant and remove roles, reset another person's authenticator: the security admin."""
    return user.has_role(Role.SECURITY_ADMIN)


@predicate(two_factor=True)
def can_manage_people(user) -> bool:
    """Open the people pages (each manager sees their own scope)."""
    from .selectors import can_manage_people as manages

    return manages(user)


@predicate(two_factor=True)
def can_import_people(user) -> bool:
    """Import people from a sheet: the system admin (everywhere), unit admins (their units)."""
    from .selectors import sees_all_units

    return sees_all_units(user) or user.has_role(Role.UNIT_ADMIN)


@predicate(two_factor=True)
def can_export_people(user) -> bool:
    """Export people and their personal data (people list, reports, record exports)."""
    from .selectors import can_manage_people as manages

    return manages(user)


@predicate(two_factor=True, takes_object=True)
def can_reset_password(user, person) -> bool:
    """Give ``person`` a temporary password: the system admin, or a unit admin for people
    of their units; never a holder of the separated roles by anyone but the system admin,
    and never the security or audit admin by the system admin (三员分立)."""
    from .services import can_reset_password as may_reset

    return may_reset(user, person)


@predicate(two_factor=True, takes_object=True)
def can_set_active(user, person) -> bool:
    """Disable or re-enable ``person``: the same people as ``can_reset_password`` (the
    system admin never for the security or audit admin; nobody their own account)."""
    from .services import can_reset_password as may_reset

    return may_reset(user, person)


@predicate(two_factor=True, takes_object=True)
def can_reset_two_factor(user, person) -> bool:
    """Reset ``person``'s authenticator: the security admin, never their own."""
    return user.has_role(Role.SECURITY_ADMIN) and person.pk != user.pk


@predicate(two_factor=True, takes_object=True)
def can_unlock_account(user, person) -> bool:
    """Lift a lockout: the security admin, never on their own account."""
    return user.has_role(Role.SECURITY_ADMIN) and person.pk != user.pk


@predicate(two_factor=True)
def can_read_audit_log(user) -> bool:
    """Read and export the audit log: the audit admin only."""
    return user.has_role(Role.AUDIT_ADMIN)


@predicate(two_factor=True)
def can_view_reports(user) -> bool:
    """Open unit reports (completion, people lists): unit admins, leaders, system admin."""
    return holds(user, Role.UNIT_ADMIN, Role.LEADER, Role.SYSTEM_ADMIN)


@predicate(two_factor=True)
def can_review_offline(user) -> bool:
    """Review offline training claims and record certifications: unit admins (their
    units) and the system admin."""
    return user.has_role(Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)


@predicate(two_factor=True)
def can_credit_offline_group(user) -> bool:
    """Credit a group's offline training: trainers, unit admins, the system admin."""
    return user.has_role(Role.TRAINER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)


@predicate(two_factor=True)
def can_set_requirements(user) -> bool:
    """Set yearly training requirements: trainers and the system admin."""
    return holds(user, Role.SYSTEM_ADMIN, Role.TRAINER)


@predicate()
def can_credit_offline_any_unit(user) -> bool:
    """Credit a group's offline training for people of any unit (others: their units
    only): trainers and the system admin."""
    return holds(user, Role.TRAINER, Role.SYSTEM_ADMIN)


@predicate(two_factor=True)
def can_assign_training(user) -> bool:
    """Make assignment rules (courses, exams, guidelines to read, by unit, role, post,
    警种 or named people): trainers and the system admin anywhere, unit admins inside
    their units (``records.selectors.assigns_everywhere`` tells which)."""
    return holds(user, Role.TRAINER, Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


@predicate(two_factor=True)
def can_exempt(user) -> bool:
    """Open the waiver and extension page: the system admin and unit admins (each
    assignment is then checked with ``can_exempt_assignment``)."""
    return holds(user, Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


@predicate(two_factor=True, takes_object=True)
def can_exempt_assignment(user, assignment) -> bool:
    """Waive ``assignment`` (with a reason) or extend its due date: the system admin, and
    unit admins for the people of their units; never one's own."""
    from .selectors import can_see_person, sees_all_units

    person = getattr(assignment, "user", None)
    if person is None or person.pk == user.pk:
        return False
    if sees_all_units(user):
        return True
    return user.has_role(Role.UNIT_ADMIN) and can_see_person(user, person)


@predicate(two_factor=True, takes_object=True)
def can_set_post(user, person) -> bool:
    """Set a person's post (岗位) and police type (警种): the system admin, and unit admins
    for the people of their units."""
    from .selectors import can_see_person, sees_all_units

    if person is None:
        return False
    if sees_all_units(user):
        return True
    return user.has_role(Role.UNIT_ADMIN) and can_see_person(user, person)


@predicate(two_factor=True)
def can_manage_vocabularies(user) -> bool:
    """Keep the lists of posts (岗位) and police types (警种): the system admin."""
    return holds(user, Role.SYSTEM_ADMIN)


# Domain predicates (rules only; the apps keep their models) -------------------------------


@predicate(two_factor=True, message=_("Exam administration is for trainers."))
def can_manage_exams(user) -> bool:
    """Exam administration: question bank (and its export with keys), blueprints,
    sessions, overrides, statistics: trainers and the system admin."""
    return holds(user, Role.TRAINER, Role.SYSTEM_ADMIN)


@predicate()
def can_see_all_exam_candidates(user) -> bool:
    """See every candidate of an exam session (others see their units' people, a
    session's creator all of its own): trainers and the system admin."""
    return holds(user, Role.TRAINER, Role.SYSTEM_ADMIN)


@predicate(two_factor=True, message=_("Marking is for trainers and legal officers."))
def can_mark(user) -> bool:
    """Mark case-analysis answers: trainers and legal officers."""
    return holds(user, Role.TRAINER, Role.LEGAL_OFFICER)


@predicate()
def can_link_cases(user) -> bool:
    """Case linking (page, API, navigation): legal officers and leaders."""
    return holds(user, Role.LEGAL_OFFICER, Role.LEADER)


@predicate(two_factor=True)
def can_retrain_search(user) -> bool:
    """Retrain the search model: the system admin."""
    return holds(user, Role.SYSTEM_ADMIN)


@predicate(two_factor=True)
def can_edit_in_admin(user) -> bool:
    """Enter the Wagtail admin (edit, review, approve): whoever holds
    ``wagtailadmin.access_admin`` through their groups."""
    return user.has_perm("wagtailadmin.access_admin")


@predicate()
def can_open_pre_meeting(user) -> bool:
    """The 会前学法 page and its menu entry (sessions one is invited to, attendance of the
    sessions one organises): leaders, unit admins, legal officers, the system admin."""
    return holds(
        user, Role.LEADER, Role.UNIT_ADMIN, Role.LEGAL_OFFICER, Role.SYSTEM_ADMIN
    )


@predicate(
    message=_(
        "Only leaders and unit admins of the unit (or its parent units) organise its "
        "sessions."
    )
)
def can_organise_pre_meeting(user) -> bool:
    """Create 会前学法 sessions: leaders (for their unit), unit admins, the system admin;
    each only for units they see."""
    from .selectors import visible_units

    return holds(user, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN) and (
        visible_units(user).exists()
    )


@predicate()
def can_view_unit_evaluations(user) -> bool:
    """Law-enforcement evaluation of units (page, menu entry, export): leaders, unit
    admins, the system admin."""
    return holds(user, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)


@predicate(message=_("Only the system admin configures evaluation schemes."))
def can_configure_evaluation(user) -> bool:
    """Evaluation schemes and frozen periods: the system admin."""
    return holds(user, Role.SYSTEM_ADMIN)


@predicate()
def can_track_enforcement_problems(user) -> bool:
    """The enforcement problems menu entry: legal officers, leaders, unit admins, the
    system admin (the pages decide per unit)."""
    return holds(
        user, Role.LEGAL_OFFICER, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN
    )


@predicate()
def can_review_law_change_flags(user) -> bool:
    """See every "law changed, review" flag whose citing item one may read (not only
    one's own): legal officers, trainers, the system admin."""
    return holds(user, Role.LEGAL_OFFICER, Role.TRAINER, Role.SYSTEM_ADMIN)


@predicate(takes_object=True, message=_("No such page."))
def can_resolve_law_change_flag(user, flag) -> bool:
    """See and resolve ``flag``: its owner, or a reviewer of flags (above); in both
    cases only while one may read the citing item (``can_read_restricted``)."""
    if flag.owner_id != user.pk and not can_review_law_change_flags(user):
        return False
    citer = flag.citer
    return citer is None or can_read_restricted(user, citer)


def _unit_allows(user, obj) -> bool:
    """True when ``user``'s unit, or a unit above it, is one of ``obj``'s restricted units."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return False
    ids = getattr(obj, "restricted_unit_ids", None)
    if ids is None:
        ids = list(obj.restricted_units.values_list("pk", flat=True))
    if not ids:
        return False
    from .models import Unit

    step = Unit.steplen
    prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return Unit.objects.filter(pk__in=ids, path__in=prefixes).exists()


@predicate(takes_object=True, message=_("No such page."))
def can_read_restricted(user, obj) -> bool:
    """Read a case or guideline, drafts and revisions included. Public material: anyone
    signed in. Restricted material: people of the restricted units (or a unit below
    them), and its owner unless the owner holds a separated role. The separated system
    roles (system, security, audit admin) never read restricted material (三员分立: they
    run the platform, not the cases); a Django superuser does."""
    if getattr(obj, "visibility", None) != RESTRICTED_VISIBILITY:
        return True
    if user.is_superuser:
        return True
    if holds_separated_role(user):
        return False
    if getattr(obj, "owner_id", None) == user.pk:
        return True
    return _unit_allows(user, obj)


can_read_case = can_read_restricted
can_read_guideline = can_read_restricted


# Views ------------------------------------------------------------------------------------


class TwoFactorRequired(Exception):
    """Raised by ``require`` when the rule passes but the session has no fresh second
    factor; ``accounts.middleware.AdminTwoFactorMiddleware`` turns it into a redirect to
    the two-factor page (403 with ``TWO_FACTOR_NEEDED`` under ``/api/``)."""


class LoginRequired(Exception):
    """Raised by ``require`` for an anonymous visitor; the middleware sends them to the
    login page (401 under ``/api/``)."""


def two_factor_redirect(request: HttpRequest) -> HttpResponseBase:
    """Send the user to TOTP verification (or set-up), then back here."""
    return redirect(
        f"{reverse('accounts:two_factor')}?next={quote(request.get_full_path())}"
    )


def require(
    request: HttpRequest, rule: Predicate, obj=None, *, not_found: bool = False
) -> None:
    """Return when ``request.user`` passes ``rule`` (for ``obj``), with a fresh second
    factor when the rule needs one. Otherwise raise: ``LoginRequired`` for a visitor,
    ``Http404`` (``not_found``, or any rule about an object) or ``PermissionDenied``
    with the rule's message, ``TwoFactorRequired`` without a fresh second factor."""
    user = request.user
    if not user.is_authenticated:
        raise LoginRequired
    if not rule(user, obj):
        if not_found or rule.takes_object:
            raise Http404(rule.message)
        raise PermissionDenied(rule.message)
    if rule.two_factor and not two_factor_fresh(request):
        raise TwoFactorRequired


def refusal_response(request: HttpRequest, exc: Exception) -> HttpResponseBase:
    """The response for ``LoginRequired`` / ``TwoFactorRequired`` (used by the middleware)."""
    from django.http import JsonResponse

    api = request.path.startswith("/api/")
    if isinstance(exc, LoginRequired):
        if api:
            return JsonResponse({"detail": "Authentication required."}, status=401)
        return redirect_to_login(request.get_full_path())
    if api:
        return JsonResponse({"detail": str(TWO_FACTOR_NEEDED)}, status=403)
    return two_factor_redirect(request)


def permission_required(
    rule: Predicate, *, not_found: bool = False
) -> Callable[[_View], _View]:
    """View decorator: refuse unless ``request.user`` passes ``rule`` (see ``require``).
    Replaces ``login_required`` too (anonymous visitors go to the login page), so the
    view may take an ``accounts.http.AuthenticatedHttpRequest``."""

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            try:
                require(request, rule, not_found=not_found)
            except (LoginRequired, TwoFactorRequired) as exc:
                return refusal_response(request, exc)
            return view(request, *args, **kwargs)

        # The view's own signature, as login_required's stub keeps it.
        return cast("_View", wrapped)

    return decorator


if TYPE_CHECKING:
    from django.views import View

    # What the mixin is mixed into, so its ``super()`` call resolves.
    _ViewBase = View
else:
    _ViewBase = object


class PermissionRequiredMixin(_ViewBase):
    """Class-based views: set ``permission_rule`` to a predicate."""

    permission_rule: Predicate
    permission_not_found = False

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        try:
            require(request, self.permission_rule, not_found=self.permission_not_found)
        except (LoginRequired, TwoFactorRequired) as exc:
            return refusal_response(request, exc)
        return super().dispatch(request, *args, **kwargs)


def get_object_for(
    request: HttpRequest,
    rule: Predicate,
    queryset: QuerySet[_M] | type[_M],
    **lookup: Any,
) -> _M:
    """Return the object matching ``lookup`` when ``request.user`` passes ``rule`` for it,
    else raise 404 (never 403: an object outside one's scope does not exist for them).
    A two-factor rule without a fresh second factor also answers 404 here; use
    ``permission_required`` on the view to send the user to verification first."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not rule(request.user, obj) or (
        rule.two_factor and not two_factor_fresh(request)
    ):
        raise Http404
    return obj


# API --------------------------------------------------------------------------------------


class HasPermission(BasePermission):
    """DRF permission built from a predicate: ``HasPermission.for_(can_manage_people)``.
    Two-factor predicates need a session verified with TOTP or a token issued after a
    two-factor sign-in."""

    rule: Predicate

    @classmethod
    def for_(cls, rule: Predicate) -> type[HasPermission]:
        return type(f"Has_{rule.name}", (cls,), {"rule": rule})

    def has_permission(self, request, view) -> bool:
        if not self.rule.takes_object and not self.rule(request.user):
            self.message = str(self.rule.message)
            return False
        if self.rule.two_factor and not two_factor_fresh(request):
            self.message = str(TWO_FACTOR_NEEDED)
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if self.rule.takes_object and not self.rule(request.user, obj):
            raise Http404
        return True
