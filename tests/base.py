"""Shared personas, as healthchecks' BaseTestCase: one small organisation.

city (市局)
├── branch_a (分局)
│   ├── station_a1 (派出所)
│   └── station_a2
└── branch_b
    └── station_b1
"""

from __future__ import annotations

from django.test import TestCase

from accounts.models import Role, UnitKind
from tests.accounts.factories import UnitFactory, UserFactory

PASSWORD = "Secret-pass-123"


class PersonasMixin:
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.city = UnitFactory(code="C", name="市公安局", kind=UnitKind.CITY_BUREAU)
        cls.branch_a = UnitFactory(
            code="C-A", name="东城分局", kind=UnitKind.BRANCH, parent=cls.city
        )
        cls.branch_b = UnitFactory(
            code="C-B", name="西城分局", kind=UnitKind.BRANCH, parent=cls.city
        )
        cls.station_a1 = UnitFactory(code="C-A-1", name="东城一所", parent=cls.branch_a)
        cls.station_a2 = UnitFactory(code="C-A-2", name="东城二所", parent=cls.branch_a)
        cls.station_b1 = UnitFactory(code="C-B-1", name="西城一所", parent=cls.branch_b)
        for unit in (
            cls.city,
            cls.branch_a,
            cls.branch_b,
            cls.station_a1,
            cls.station_a2,
            cls.station_b1,
        ):
            unit.refresh_from_db()
        cls.officer = UserFactory(
            username="officer_a1", unit=cls.station_a1, roles=[Role.OFFICER]
        )
        cls.officer_b = UserFactory(
            username="officer_b1", unit=cls.station_b1, roles=[Role.OFFICER]
        )
        cls.legal_officer = UserFactory(
            username="legal_a",
            unit=cls.branch_a,
            roles=[Role.LEGAL_OFFICER, Role.OFFICER],
        )
        cls.leader = UserFactory(
            username="leader_a", unit=cls.branch_a, roles=[Role.LEADER]
        )
        cls.trainer = UserFactory(
            username="trainer", unit=cls.city, roles=[Role.TRAINER]
        )
        cls.unit_admin_a = UserFactory(
            username="admin_a", unit=cls.branch_a, roles=[Role.UNIT_ADMIN]
        )
        cls.unit_admin_b = UserFactory(
            username="admin_b", unit=cls.branch_b, roles=[Role.UNIT_ADMIN]
        )
        cls.system_admin = UserFactory(
            username="sysadmin", unit=cls.city, roles=[Role.SYSTEM_ADMIN]
        )
        cls.security_admin = UserFactory(
            username="secadmin", unit=cls.city, roles=[Role.SECURITY_ADMIN]
        )
        cls.audit_admin = UserFactory(
            username="auditadmin", unit=cls.city, roles=[Role.AUDIT_ADMIN]
        )

    def login(self, user, *, verified: bool = True) -> None:
        """Sign in without going through the login form (and its lockout counters), as
        after a complete sign-in: with a verified second factor, which every privileged
        function asks for (accounts.permissions). ``verified=False`` for a session that
        has not passed TOTP yet."""
        if verified:
            from tests.accounts.helpers import login_verified

            login_verified(self.client, user)
        else:
            self.client.force_login(user)


class BaseTestCase(PersonasMixin, TestCase):
    pass
