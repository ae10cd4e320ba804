"""Offline and self-credit (issue 14): nobody approves their own hours, group
registrations cannot include the registrar, offline hours have a yearly cap per category,
and every credit names its source and approver."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.test import override_settings

from accounts.models import Role
from records.models import CreditEntry, OfflineActivity, RoleRequirement
from records.services import (
    offline_activity_review,
    offline_activity_submit,
    offline_group_register,
)
from tests.base import BaseTestCase

DAY = date(2026, 3, 10)


class OfflineCreditTests(BaseTestCase):
    def submit(self, user, hours, category="offline"):
        return offline_activity_submit(
            user=user,
            kind="court_hearing",
            title=f"旁听庭审 {hours}",
            occurred_on=DAY,
            hours=Decimal(hours),
            category=category,
        )

    def test_a_trainer_cannot_register_a_group_that_includes_themselves(self):
        with self.assertRaisesMessage(
            PermissionDenied, "不能在自己登记的集体培训中登记本人"
        ):
            offline_group_register(
                trainer=self.trainer,
                people=[self.officer, self.trainer],
                kind="field_exercise",
                title="实战演练",
                occurred_on=DAY,
                hours=Decimal(40),
            )
        self.assertFalse(OfflineActivity.objects.exists())
        self.assertFalse(CreditEntry.objects.exists())

    def test_nobody_approves_their_own_activity(self):
        activity = self.submit(self.unit_admin_a, 40)
        with self.assertRaises(PermissionDenied):
            offline_activity_review(
                activity=activity, reviewer=self.unit_admin_a, approve=True
            )
        self.assertFalse(CreditEntry.objects.exists())

    @override_settings(RECORDS_OFFLINE_YEARLY_CAP_BY_CATEGORY={"offline": 10})
    def test_offline_hours_stop_at_the_yearly_cap_of_their_category(self):
        for hours in (8, 8):
            offline_activity_review(
                activity=self.submit(self.officer, hours),
                reviewer=self.unit_admin_a,
                approve=True,
            )
        entries = list(CreditEntry.objects.filter(user=self.officer).order_by("pk"))
        self.assertEqual([e.hours for e in entries], [Decimal(8), Decimal(2)])
        self.assertEqual(entries[1].requested_hours, Decimal(8))
        # Source and approver on every credit.
        for entry in entries:
            self.assertEqual(entry.source_type, "offline")
            self.assertEqual(entry.approved_by, self.unit_admin_a)

    def test_without_a_configured_cap_half_the_yearly_target_is_the_cap(self):
        RoleRequirement.objects.create(role=Role.OFFICER, min_hours=Decimal(40))
        offline_group_register(
            trainer=self.trainer,
            people=[self.officer],
            kind="field_exercise",
            title="实战演练",
            occurred_on=DAY,
            hours=Decimal(40),
        )
        entry = CreditEntry.objects.get(user=self.officer)
        self.assertEqual(entry.hours, Decimal(20))
        self.assertEqual(entry.approved_by, self.trainer)
