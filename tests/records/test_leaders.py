"""Leaders' tools (issue 18): 督办 reminders to a selection (scoped, audited), unit
ranking and month trend charts, and person → record links."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from records.models import Notification, NotificationKind
from records.services import REMINDER_OUT_OF_SCOPE, reminders_send
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase
from tests.records.factories import AssignmentFactory


class RemindTests(BaseTestCase):
    def test_leader_reminds_people_of_their_units_and_it_is_audited(self):
        sent = reminders_send(
            sender=self.leader, people=[self.officer], note="月底前完成必修课"
        )
        self.assertEqual(sent, 1)
        note = Notification.objects.get(user=self.officer)
        self.assertEqual(note.kind, NotificationKind.SUPERVISION)
        self.assertIn("月底前完成必修课", note.body)
        self.assertEqual(note.url, reverse("records:my_record"))
        entry = AuditEntry.objects.get(action="records.reminder_sent")
        self.assertEqual(entry.details["people"], [self.officer.pk])
        # A second reminder the same day is a new message, not swallowed.
        reminders_send(sender=self.leader, people=[self.officer])
        self.assertEqual(Notification.objects.filter(user=self.officer).count(), 2)

    def test_nobody_outside_the_leaders_units_is_reminded(self):
        with self.assertRaisesMessage(PermissionDenied, str(REMINDER_OUT_OF_SCOPE)):
            reminders_send(sender=self.leader, people=[self.officer, self.officer_b])
        self.assertFalse(Notification.objects.exists())
        self.assertEqual(
            AuditEntry.objects.get(action="records.reminder_sent").result, "denied"
        )

    def test_remind_view_branch_a_leader_gets_403_for_branch_b(self):
        self.login(self.leader)
        url = reverse("records:report_remind")
        response = self.client.post(url, {"person": [self.officer_b.pk]})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Notification.objects.exists())
        response = self.client.post(
            url,
            {"person": [self.officer.pk], "next": "/records/reports/at-risk/"},
        )
        self.assertRedirects(
            response, "/records/reports/at-risk/", fetch_redirect_response=False
        )
        self.assertTrue(Notification.objects.filter(user=self.officer).exists())
        # Nobody ticked: a message in the user's language, never a 500.
        response = self.client.post(
            url, {}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        self.assertContains(response, "请至少选择一名需要督办的人员")

    def test_officers_cannot_remind(self):
        self.login(self.officer)
        response = self.client.post(
            reverse("records:report_remind"), {"person": [self.officer.pk]}
        )
        self.assertEqual(response.status_code, 403)


class ChartsAndLinksTests(BaseTestCase):
    def test_dashboard_ranks_units_and_draws_the_month_trend(self):
        now = timezone.now()
        for user, done in ((self.officer, True), (self.officer_b, False)):
            AssignmentFactory(
                user=user,
                status="completed" if done else "assigned",
                completed_at=now if done else None,
                due_at=now + timedelta(days=30),
                period=str(timezone.localdate().year),
            )
        login_verified(self.client, self.system_admin)
        response = self.client.get(reverse("records:reports"), {"unit": self.city.pk})
        self.assertEqual(response.status_code, 200)
        bars = response.context["ranking"]["bars"]
        self.assertEqual([b.label for b in bars], ["东城分局", "西城分局"])
        self.assertEqual([b.rate for b in bars], [100, 0])
        self.assertContains(response, 'id="unit-ranking"')
        trend = response.context["trend"]["points"]
        self.assertEqual(len(trend), 12)
        self.assertEqual(trend[timezone.localdate().month - 1]["value"], 50)
        self.assertContains(response, "<polyline")

    def test_people_page_links_each_person_to_their_record(self):
        login_verified(self.client, self.unit_admin_a)
        response = self.client.get(reverse("accounts:people"))
        self.assertContains(
            response, reverse("records:person_record", args=[self.officer.pk])
        )
        detail = self.client.get(
            reverse("accounts:person_detail", args=[self.officer.pk])
        )
        self.assertContains(
            detail, reverse("records:person_record", args=[self.officer.pk])
        )
