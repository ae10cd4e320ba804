from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail

from records.models import Notification, NotificationKind
from records.reminders import digests_send, reminders_send
from records.tasks import send_digests_task, send_reminders_task
from tests.base import BaseTestCase
from tests.records.factories import (
    AssignmentFactory,
    CertificationFactory,
    TrackedItemFactory,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 9, tzinfo=TZ)


class ReminderTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer.email = "officer@example.test"
        cls.officer.save()
        cls.item = TrackedItemFactory(title="证据规则")
        cls.late = AssignmentFactory(
            user=cls.officer, item=cls.item, due_at=NOW - timedelta(days=2)
        )
        cls.soon = AssignmentFactory(
            user=cls.officer_b, item=cls.item, due_at=NOW + timedelta(days=3)
        )
        AssignmentFactory(
            user=cls.legal_officer,
            item=cls.item,
            due_at=NOW - timedelta(days=2),
            status="completed",
        )

    def test_overdue_and_due_soon_are_sent_once_per_item_and_period(self):
        first = reminders_send(now=NOW)
        self.assertEqual((first["overdue"], first["due_soon"]), (1, 1))
        again = reminders_send(now=NOW + timedelta(hours=6))
        self.assertEqual((again["overdue"], again["due_soon"]), (0, 0))
        self.assertEqual(
            Notification.objects.filter(
                user=self.officer, kind=NotificationKind.OVERDUE
            ).count(),
            1,
        )
        self.assertEqual(
            len([m for m in mail.outbox if "officer@example.test" in m.to]), 1
        )
        self.assertFalse(Notification.objects.filter(user=self.legal_officer).exists())

    def test_a_new_period_earns_a_new_reminder(self):
        reminders_send(now=NOW)
        AssignmentFactory(
            user=self.officer,
            item=self.item,
            period="2027",
            due_at=NOW - timedelta(days=1),
        )
        self.assertEqual(reminders_send(now=NOW)["overdue"], 1)

    def test_expiring_certification_is_reminded_once(self):
        CertificationFactory(
            user=self.legal_officer,
            issued_at=NOW.date() - timedelta(days=900),
            expires_at=NOW.date() + timedelta(days=30),
        )
        self.assertEqual(reminders_send(now=NOW)["cert_expiring"], 1)
        self.assertEqual(reminders_send(now=NOW)["cert_expiring"], 0)

    def test_weekly_digest_once_per_week_to_each_unit_admin(self):
        self.assertEqual(digests_send(now=NOW), 2)
        self.assertEqual(digests_send(now=NOW + timedelta(days=1)), 0)
        self.assertEqual(digests_send(now=NOW + timedelta(days=7)), 2)
        digest = Notification.objects.filter(
            user=self.unit_admin_a, kind=NotificationKind.DIGEST
        ).first()
        self.assertIn(self.branch_a.name, digest.title)
        self.assertNotIn(self.station_b1.name, digest.body)

    def test_tasks_are_registered_in_the_beat_schedule(self):
        names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        self.assertTrue(
            {"records.send_reminders", "records.send_digests", "records.xapi_export"}
            <= names
        )
        self.assertIsInstance(send_reminders_task.apply().get(), dict)
        self.assertIsInstance(send_digests_task.apply().get(), int)
