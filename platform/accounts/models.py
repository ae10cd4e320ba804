"""Organisational units (a tree), people and their roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from treebeard.mp_tree import MP_Node

if TYPE_CHECKING:
    from django_otp.models import Device


class UnitKind(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("City bureau")
    BRANCH = "branch", _("Branch bureau")
    DETACHMENT = "detachment", _("Detachment")
    STATION = "station", _("Police station")
    BRIGADE = "brigade", _("Brigade")
    DEPARTMENT = "department", _("Department")
    OTHER = "other", _("Other")


class Unit(MP_Node):
    """An organisational unit (组织机构). Subtrees are path prefixes (treebeard MP)."""

    code = models.CharField(_("unit code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.OTHER
    )
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def subtree(self) -> models.QuerySet[Unit]:
        """Return this unit and every unit below it."""
        return Unit.objects.filter(path__startswith=self.path)

    def is_within(self, other: Unit) -> bool:
        """Return True when this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    LEADER = "leader", _("Leader")
    TRAINER = "trainer", _("Trainer")
    UNIT_ADMIN = "unit_admin", _("Unit admin")
    SYSTEM_ADMIN = "system_admin", _("System admin")
    SECURITY_ADMIN = "security_admin", _("Security admin")
    AUDIT_ADMIN = "audit_admin", _("Audit admin")


# 三员分立: one account may hold at most one of these (MLPS level 3).
SEPARATED_SYSTEM_ROLES = frozenset(
    {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
)
SEPARATED_ROLES_CONFLICT = _(
    "One account may hold only one of system admin, security admin and audit admin."
)
# Roles whose holders look after a unit's subtree (reports, people, exports).
SCOPED_MANAGER_ROLES = frozenset({Role.UNIT_ADMIN, Role.LEADER})


class VocabularyTerm(models.Model):
    """A term of a controlled vocabulary kept by admins (岗位, 警种): rules and guidelines
    pick terms, never free text, so "社区民警" and "社区 民警" cannot drift apart."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Post(VocabularyTerm):
    """A post (岗位): what a person does, e.g. 值班民警, 办案民警, 社区民警."""

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("post")
        verbose_name_plural = _("posts")


class PoliceType(VocabularyTerm):
    """A police branch (警种), e.g. 治安, 刑侦, 交管."""

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("police type")
        verbose_name_plural = _("police types")


class PlatformUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


# Wagtail (untyped) gives casebank.Charge a ``locked_by`` foreign key to this model, whose
# reverse manager (``locked_charges``) the Django plugin cannot type.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person: an officer with a police number, a unit, a position and roles."""

    police_number = models.CharField(
        _("police number"), max_length=20, unique=True, null=True, blank=True
    )
    full_name = models.CharField(_("name"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    post = models.ForeignKey(
        Post,
        verbose_name=_("post"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    police_type = models.ForeignKey(
        PoliceType,
        verbose_name=_("police type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text=_("Police branch (警种)"),
    )
    # The free text held before 警种 became a vocabulary, kept where it matched no term
    # (``manage.py vocabulary_report`` lists them for an admin to map).
    police_type_text = models.CharField(
        _("police type (unmatched text)"), max_length=30, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(
        _("password changed at"), null=True, blank=True
    )
    # Set with a temporary password (import, admin reset): until the person chooses their
    # own, every page sends them to the change form, and after the expiry they cannot sign in.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    temporary_password_expires_at = models.DateTimeField(
        _("temporary password expires at"), null=True, blank=True
    )

    objects: ClassVar[PlatformUserManager] = PlatformUserManager()

    # Set on ``request.user`` by django-otp's OTPMiddleware: the device that verified this
    # session (None when it is not verified), and whether one did.
    otp_device: Device | None
    is_verified: Callable[[], bool]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def get_role_codes(self) -> set[str]:
        """Return this person's role codes, cached on the instance for the request."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = (
                set(self.role_assignments.values_list("role", flat=True))
                if self.pk
                else set()
            )
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.get_role_codes() & set(roles))

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_codes", None)

    def temporary_password_expired(self, now: datetime | None = None) -> bool:
        """Return True when this person still holds a temporary password past its expiry."""
        if not self.must_change_password or self.temporary_password_expires_at is None:
            return False
        return self.temporary_password_expires_at <= (now or timezone.now())


class RoleAssignment(models.Model):
    """A role held by a person. ``scope_unit`` is the subtree a manager role covers
    (their own unit when empty)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope_unit = models.ForeignKey(
        Unit,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role"),
            # 三员分立 in the database too: at most one separated system role per person.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(
                    role__in=["system_admin", "security_admin", "audit_admin"]
                ),
                name="one_separated_system_role",
                violation_error_message=SEPARATED_ROLES_CONFLICT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def clean(self) -> None:
        # 三员分立: refuse a second separated system role for the same person.
        if self.role in SEPARATED_SYSTEM_ROLES and self.user_id is not None:
            others = RoleAssignment.objects.filter(
                user_id=self.user_id, role__in=SEPARATED_SYSTEM_ROLES
            )
            if others.exclude(role=self.role).exclude(pk=self.pk).exists():
                raise ValidationError(SEPARATED_ROLES_CONFLICT, code="separated_roles")


class TokenScope(models.TextChoices):
    # Everything not guarded by a two-factor predicate: search, linking, cases, statutes.
    READ = "read", _("Read: search, linking, cases and statutes")
    # Also the people and unit endpoints (personal data); needs a two-factor issue.
    PEOPLE = "people", _("People and units (personal data)")


class APITokenGrant(models.Model):
    """What a Bearer token (Wagtail's ``APIToken``) may do and until when.

    ``two_factor`` is True when the token was issued after the holder proved a TOTP code;
    only such tokens reach two-factor functions (``accounts.permissions.HasPermission``).
    A token without a grant, past ``expires_at``, or revoked is refused.
    """

    token = models.OneToOneField(
        "wagtailcore.APIToken", on_delete=models.CASCADE, related_name="grant"
    )
    scope = models.CharField(
        _("scope"), max_length=20, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires at"))
    two_factor = models.BooleanField(_("issued after two-factor"), default=False)

    class Meta:
        verbose_name = _("API token grant")
        verbose_name_plural = _("API token grants")

    def __str__(self) -> str:
        return f"{self.token_id} · {self.scope}"
