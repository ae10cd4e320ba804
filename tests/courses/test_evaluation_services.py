"""Scheme versions with a second person's approval; frozen, signed periods and
corrections recorded as such."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from courses.evaluation import DEFAULT_INDICATORS, scheme_in_force
from courses.evaluation_services import (
    CORRECTION_REASON_REQUIRED,
    FREEZE_EXISTS,
    FREEZE_NOT_ENDED,
    SCHEME_SELF_APPROVAL,
    evaluation_correct,
    evaluation_freeze,
    scheme_approve,
    scheme_create,
    snapshot_verify,
)
from courses.models import EvaluationSnapshot, EvaluationSnapshotRow, SchemeStatus
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.casebank.test_problems import record

WEIGHTS = {
    "hours": (Decimal(50), None),
    "problems_per_officer": (Decimal(50), Decimal(2)),
}


class SchemeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second_admin = UserFactory(unit=cls.city, roles=[Role.SYSTEM_ADMIN])

    def test_a_draft_is_not_in_force_until_a_second_person_approves_it(self):
        scheme = scheme_create(author=self.system_admin, year=2026, indicators=WEIGHTS)
        self.assertEqual((scheme.version, scheme.status), (1, SchemeStatus.DRAFT))
        self.assertEqual(scheme_in_force(2026).indicators, DEFAULT_INDICATORS)
        with self.assertRaisesMessage(PermissionDenied, str(SCHEME_SELF_APPROVAL)):
            scheme_approve(approver=self.system_admin, scheme=scheme)
        scheme_approve(approver=self.second_admin, scheme=scheme)
        in_force = scheme_in_force(2026)
        self.assertEqual(in_force.scheme, scheme)
        self.assertEqual(set(in_force.indicators), {"hours", "problems_per_officer"})
        self.assertTrue(
            AuditEntry.objects.filter(
                action="courses.evaluation.scheme_approve"
            ).exists()
        )

    def test_a_new_version_replaces_the_old_once_approved(self):
        first = scheme_create(author=self.system_admin, year=2026, indicators=WEIGHTS)
        scheme_approve(approver=self.second_admin, scheme=first)
        second = scheme_create(
            author=self.second_admin,
            year=2026,
            indicators={"hours": (Decimal(1), None)},
        )
        self.assertEqual(second.version, 2)
        self.assertEqual(scheme_in_force(2026).scheme, first)
        scheme_approve(approver=self.system_admin, scheme=second)
        self.assertEqual(scheme_in_force(2026).scheme, second)

    def test_only_the_system_admin_writes_schemes_and_weights_must_count(self):
        for user in (self.leader, self.trainer, self.audit_admin):
            with self.assertRaises(PermissionDenied):
                scheme_create(author=user, year=2026, indicators=WEIGHTS)
        with self.assertRaises(ValidationError):
            scheme_create(
                author=self.system_admin,
                year=2026,
                indicators={"hours": (Decimal(0), None)},
            )
        with self.assertRaises(ValidationError):
            scheme_create(
                author=self.system_admin,
                year=2026,
                indicators={"made_up": (Decimal(1), None)},
            )


class FreezeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        second = UserFactory(unit=cls.city, roles=[Role.SYSTEM_ADMIN])
        scheme = scheme_create(author=cls.system_admin, year=2026, indicators=WEIGHTS)
        scheme_approve(approver=second, scheme=scheme)
        record(
            cls.legal_officer,
            cls.station_a1,
            person=cls.officer,
            found_on=dt.date(2026, 3, 5),
        )

    def test_freezes_a_signed_snapshot_of_every_unit_and_person(self):
        snapshot = evaluation_freeze(
            by=self.system_admin, period="2026-03", today=dt.date(2026, 4, 2)
        )
        self.assertTrue(snapshot_verify(snapshot))
        rows = snapshot.rows
        self.assertEqual(rows.filter(unit__isnull=False).count(), 6)
        officer_row = rows.get(person=self.officer)
        # one minor... severity serious (2) against target 2: 0 points on problems
        self.assertEqual(officer_row.values["problems_per_officer"], "0.00")
        self.assertEqual(snapshot.as_of, dt.date(2026, 3, 31))

    def test_an_edited_row_breaks_the_signature(self):
        snapshot = evaluation_freeze(
            by=self.system_admin, period="2026-03", today=dt.date(2026, 4, 2)
        )
        EvaluationSnapshotRow.objects.filter(
            snapshot=snapshot, person=self.officer
        ).update(score=Decimal("99.00"))
        self.assertFalse(snapshot_verify(snapshot))

    def test_refuses_an_open_period_and_a_second_freeze(self):
        with self.assertRaisesMessage(ValidationError, str(FREEZE_NOT_ENDED)):
            evaluation_freeze(
                by=self.system_admin, period="2026-03", today=dt.date(2026, 3, 31)
            )
        evaluation_freeze(
            by=self.system_admin, period="2026-02", today=dt.date(2026, 4, 2)
        )
        with self.assertRaisesMessage(ValidationError, str(FREEZE_EXISTS)):
            evaluation_freeze(
                by=self.system_admin, period="2026-02", today=dt.date(2026, 4, 2)
            )
        with self.assertRaises(PermissionDenied):
            evaluation_freeze(
                by=self.leader, period="2026-01", today=dt.date(2026, 4, 2)
            )

    def test_a_correction_is_a_new_snapshot_that_keeps_the_old_one(self):
        old = evaluation_freeze(
            by=self.system_admin, period="2026-03", today=dt.date(2026, 4, 2)
        )
        record(
            self.legal_officer,
            self.station_a1,
            person=self.officer,
            found_on=dt.date(2026, 3, 20),
        )
        with self.assertRaisesMessage(ValidationError, str(CORRECTION_REASON_REQUIRED)):
            evaluation_correct(by=self.system_admin, snapshot=old, reason=" ")
        new = evaluation_correct(
            by=self.system_admin, snapshot=old, reason="3月20日问题补录"
        )
        old.refresh_from_db()
        self.assertFalse(old.is_current)
        self.assertTrue(new.is_current)
        self.assertEqual(new.supersedes, old)
        self.assertEqual(new.correction_reason, "3月20日问题补录")
        self.assertTrue(snapshot_verify(old))
        self.assertTrue(snapshot_verify(new))
        self.assertEqual(EvaluationSnapshot.objects.filter(period="2026-03").count(), 2)
        self.assertTrue(
            AuditEntry.objects.filter(action="courses.evaluation.correct").exists()
        )
