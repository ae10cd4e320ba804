"""Role changes: only the security admin, never on oneself, never two separated roles."""

from __future__ import annotations

from django.core.checks import run_checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from accounts.models import Role, RoleAssignment
from accounts.services import user_set_roles
from audit.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase


class UserSetRolesTests(BaseTestCase):
    def test_security_admin_changes_roles_and_it_is_audited(self):
        after = user_set_roles(
            actor=self.security_admin,
            user=self.officer,
            roles=[Role.OFFICER, Role.TRAINER],
        )
        self.assertEqual(after, {"officer", "trainer"})
        self.assertEqual(
            set(self.officer.groups.values_list("name", flat=True)),
            {"officer", "trainer"},
        )
        entry = AuditEntry.objects.get(action="accounts.role_change")
        self.assertEqual(entry.actor_id, self.security_admin.pk)
        self.assertEqual(entry.details["added"], ["trainer"])
        self.assertEqual(entry.target_id, str(self.officer.pk))

    def test_removing_a_role(self):
        user_set_roles(
            actor=self.security_admin, user=self.legal_officer, roles=[Role.OFFICER]
        )
        self.assertEqual(
            set(self.legal_officer.role_assignments.values_list("role", flat=True)),
            {"officer"},
        )

    def test_unit_admin_role_gets_a_scope(self):
        user_set_roles(
            actor=self.security_admin,
            user=self.officer,
            roles=[Role.UNIT_ADMIN],
            scope_unit=self.station_a1,
        )
        self.assertEqual(
            RoleAssignment.objects.get(user=self.officer).scope_unit, self.station_a1
        )

    def test_two_separated_roles_are_refused(self):
        for pair in (
            [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN],
            [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN],
            [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN],
        ):
            with self.subTest(pair=pair), self.assertRaises(ValidationError):
                user_set_roles(actor=self.security_admin, user=self.officer, roles=pair)
        self.assertEqual(self.officer.get_role_codes(), {"officer"})
        self.assertFalse(
            AuditEntry.objects.filter(action="accounts.role_change").exists()
        )

    def test_adding_a_second_separated_role_to_an_admin_is_refused(self):
        with self.assertRaises(ValidationError):
            user_set_roles(
                actor=self.security_admin,
                user=self.system_admin,
                roles=[Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN],
            )

    def test_only_security_admin_may_assign(self):
        for actor in (
            self.system_admin,
            self.audit_admin,
            self.unit_admin_a,
            self.officer,
        ):
            with (
                self.subTest(actor=actor.username),
                self.assertRaises(PermissionDenied),
            ):
                user_set_roles(actor=actor, user=self.officer_b, roles=[Role.TRAINER])

    def test_security_admin_cannot_change_own_roles(self):
        with self.assertRaises(PermissionDenied):
            user_set_roles(
                actor=self.security_admin,
                user=self.security_admin,
                roles=[Role.SECURITY_ADMIN, Role.TRAINER],
            )

    def test_unknown_role_is_refused(self):
        with self.assertRaises(ValidationError):
            user_set_roles(actor=self.security_admin, user=self.officer, roles=["god"])


class SeparatedRolesGuardTests(BaseTestCase):
    def test_model_clean_refuses_a_second_separated_role(self):
        assignment = RoleAssignment(user=self.system_admin, role=Role.AUDIT_ADMIN)
        with self.assertRaises(ValidationError):
            assignment.full_clean()

    def test_database_refuses_a_second_separated_role(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            RoleAssignment.objects.create(
                user=self.security_admin, role=Role.SYSTEM_ADMIN
            )

    def test_other_roles_combine_freely(self):
        RoleAssignment(user=self.system_admin, role=Role.TRAINER).full_clean()


class SystemCheckTests(BaseTestCase):
    @override_settings(PRODUCTION=True)
    def test_superuser_in_production_is_warned(self):
        UserFactory(username="root", is_superuser=True)
        ids = {
            m.id
            for m in run_checks(include_deployment_checks=True, databases=["default"])
        }
        self.assertIn("accounts.W001", ids)

    @override_settings(PRODUCTION=True)
    def test_no_warning_without_superuser(self):
        ids = {
            m.id
            for m in run_checks(include_deployment_checks=True, databases=["default"])
        }
        self.assertNotIn("accounts.W001", ids)

    @override_settings(PRODUCTION=False)
    def test_superuser_in_development_is_fine(self):
        UserFactory(username="root", is_superuser=True)
        ids = {
            m.id
            for m in run_checks(include_deployment_checks=True, databases=["default"])
        }
        self.assertNotIn("accounts.W001", ids)
