"""The demo organisation: the units and logins the README and other seeders rely on."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.test import TestCase

from accounts import demo
from accounts.models import SEPARATED_SYSTEM_ROLES, Unit, User


class DemoSeedTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo.seed()

    def test_units_and_tree(self):
        codes = dict(Unit.objects.values_list("code", "name"))
        self.assertEqual(
            set(codes),
            {
                "370100",
                "370101",
                "370102",
                "37010101",
                "37010102",
                "37010201",
                "37010202",
            },
        )
        east = Unit.objects.get(code="370101")
        self.assertTrue(Unit.objects.get(code="37010102").is_within(east))
        self.assertFalse(Unit.objects.get(code="37010201").is_within(east))

    def test_people_and_roles(self):
        expected = {
            "sysadmin": {"system_admin"},
            "secadmin": {"security_admin"},
            "auditadmin": {"audit_admin"},
            "trainer1": {"trainer"},
            "legal1": {"legal_officer", "officer"},
            "leader1": {"leader"},
            "admin_east": {"unit_admin"},
            "admin_west": {"unit_admin"},
            "officer30": {"officer"},
        }
        for username, roles in expected.items():
            self.assertEqual(
                User.objects.get(username=username).get_role_codes(), roles, username
            )
        officers = User.objects.filter(username__startswith="officer")
        self.assertEqual(officers.count(), 30)
        self.assertEqual(
            set(officers.values_list("unit__code", flat=True)),
            {"37010101", "37010102", "37010201", "37010202"},
        )
        self.assertEqual(User.objects.get(username="legal2").unit.code, "370102")
        self.assertEqual(
            User.objects.get(username="admin_west")
            .role_assignments.get()
            .scope_unit.code,
            "370102",
        )

    def test_no_account_holds_two_system_roles(self):
        for user in User.objects.all():
            self.assertLessEqual(len(user.get_role_codes() & SEPARATED_SYSTEM_ROLES), 1)

    def test_demo_password_and_police_number_login(self):
        self.assertIsNotNone(
            authenticate(username="officer7", password=demo.DEMO_PASSWORD)
        )
        number = User.objects.get(username="officer7").police_number
        self.assertIsNotNone(authenticate(username=number, password=demo.DEMO_PASSWORD))

    def test_seeding_twice_changes_nothing(self):
        before = (
            User.objects.count(),
            Unit.objects.count(),
            sorted(User.objects.values_list("police_number", flat=True)),
        )
        demo.seed()
        after = (
            User.objects.count(),
            Unit.objects.count(),
            sorted(User.objects.values_list("police_number", flat=True)),
        )
        self.assertEqual(before, after)
        self.assertEqual(before[0], 40)
