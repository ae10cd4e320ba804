from decimal import Decimal

from django.test import TestCase

from records.models import CreditEntry, LearningEvent, Verb
from records.services import credit_hours, learning_event_record
from tests.accounts.factories import UserFactory


class CreditHoursTests(TestCase):
    def test_same_source_credits_once(self):
        user = UserFactory()
        first, created = credit_hours(
            user=user, hours="2", category="law", source_type="course", source_id=7
        )
        again, created_again = credit_hours(
            user=user, hours="2", category="law", source_type="course", source_id=7
        )
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(CreditEntry.objects.filter(user=user).count(), 1)

    def test_yearly_cap_limits_hours(self):
        user = UserFactory()
        credit_hours(
            user=user,
            hours="6",
            category="law",
            source_type="course",
            source_id=1,
            yearly_cap=Decimal(8),
        )
        entry, _ = credit_hours(
            user=user,
            hours="4",
            category="law",
            source_type="course",
            source_id=2,
            yearly_cap=Decimal(8),
        )
        self.assertEqual(entry.hours, Decimal("2.00"))
        self.assertEqual(entry.requested_hours, Decimal("4.00"))

    def test_ledger_refuses_updates(self):
        user = UserFactory()
        credit_hours(
            user=user, hours="1", category="law", source_type="course", source_id=1
        )
        with self.assertRaises(PermissionError):
            CreditEntry.objects.filter(user=user).update(hours=5)


class LearningEventTests(TestCase):
    def test_idempotency_key_returns_first_event(self):
        user = UserFactory()
        a = learning_event_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_type="course",
            object_id=1,
            idempotency_key="k1",
        )
        b = learning_event_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_type="course",
            object_id=1,
            idempotency_key="k1",
        )
        self.assertEqual(a.pk, b.pk)
        self.assertEqual(LearningEvent.objects.count(), 1)
        self.assertEqual(a.context_unit_id, user.unit_id)
