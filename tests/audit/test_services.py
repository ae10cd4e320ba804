"""The hash chain detects an edited, removed or reordered entry; the purge keeps
everything younger than the retention period and leaves a verifiable chain."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings

import time_machine

from audit.models import AuditEntry
from audit.services import (
    BROKEN_HASH,
    BROKEN_LINK,
    BROKEN_START,
    audit_chain_verify,
    audit_log,
    audit_purge,
    retention_days,
)
from config.celery import app as celery_app
from tests.accounts.factories import UserFactory


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class AuditChainTests(TestCase):
    def setUp(self) -> None:
        self.user = UserFactory(username="zhao")
        self.entries = [
            audit_log(
                action=f"test.step{i}",
                actor=self.user,
                details={"n": i, "备注": "测试"},
            )
            for i in range(5)
        ]

    def test_intact_chain_verifies(self):
        report = audit_chain_verify()
        self.assertTrue(report.ok)
        self.assertEqual(report.checked, 5)

    def test_entries_link_to_their_predecessor(self):
        for previous, entry in zip(self.entries, self.entries[1:], strict=False):
            self.assertEqual(entry.prev_hash, previous.entry_hash)

    def test_row_edited_through_sql_is_detected(self):
        raw_sql(
            "UPDATE audit_auditentry SET action = %s WHERE id = %s",
            ["test.innocent", self.entries[2].pk],
        )
        report = audit_chain_verify()
        self.assertFalse(report.ok)
        self.assertEqual(
            (report.broken_id, report.reason), (self.entries[2].pk, BROKEN_HASH)
        )

    def test_edited_details_are_detected(self):
        raw_sql(
            "UPDATE audit_auditentry SET details = %s WHERE id = %s",
            ['{"n": 99}', self.entries[1].pk],
        )
        self.assertEqual(audit_chain_verify().broken_id, self.entries[1].pk)

    def test_edit_with_recomputed_hash_breaks_the_next_link(self):
        entry = AuditEntry.objects.get(pk=self.entries[1].pk)
        entry.result = "failure"
        raw_sql(
            "UPDATE audit_auditentry SET result = %s, entry_hash = %s WHERE id = %s",
            ["failure", entry.compute_hash(), entry.pk],
        )
        report = audit_chain_verify()
        self.assertEqual(
            (report.broken_id, report.reason), (self.entries[2].pk, BROKEN_LINK)
        )

    def test_deleted_row_is_detected(self):
        raw_sql("DELETE FROM audit_auditentry WHERE id = %s", [self.entries[3].pk])
        report = audit_chain_verify()
        self.assertEqual(
            (report.broken_id, report.reason), (self.entries[4].pk, BROKEN_LINK)
        )

    def test_deleted_oldest_row_is_detected(self):
        raw_sql("DELETE FROM audit_auditentry WHERE id = %s", [self.entries[0].pk])
        report = audit_chain_verify()
        self.assertEqual(
            (report.broken_id, report.reason), (self.entries[1].pk, BROKEN_START)
        )

    def test_application_cannot_change_or_delete(self):
        entry = self.entries[0]
        with self.assertRaises(PermissionError):
            entry.save()
        with self.assertRaises(PermissionError):
            entry.delete()
        with self.assertRaises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).update(action="x")
        with self.assertRaises(PermissionError):
            AuditEntry.objects.all().delete()

    def test_ipv6_addresses_hash_as_stored(self):
        from django.test import RequestFactory

        request = RequestFactory().get("/", REMOTE_ADDR="2001:0db8:0000::0001")
        request.user = self.user
        entry = audit_log(action="test.ipv6", request=request)
        self.assertEqual(entry.client_ip, "2001:db8::1")
        self.assertTrue(audit_chain_verify().ok)


class VerifyCommandTests(TestCase):
    def test_reports_intact_log(self):
        audit_log(action="test.one")
        out = io.StringIO()
        call_command("verify_audit_log", stdout=out, stderr=io.StringIO())
        self.assertIn("1 entries checked", out.getvalue())

    def test_daily_task_reports_a_break(self):
        from audit.tasks import verify_audit_log_task

        entries = [audit_log(action=f"test.{i}") for i in range(2)]
        self.assertEqual(verify_audit_log_task.delay().get()["ok"], True)
        raw_sql(
            "UPDATE audit_auditentry SET action = %s WHERE id = %s",
            ["x", entries[0].pk],
        )
        with self.assertLogs("audit", level="CRITICAL"):
            result = verify_audit_log_task.delay().get()
        self.assertEqual((result["ok"], result["broken_id"]), (False, entries[0].pk))
        self.assertIn("audit-verify", celery_app.conf.beat_schedule)

    def test_exits_non_zero_naming_the_broken_entry(self):
        entries = [audit_log(action=f"test.{i}") for i in range(3)]
        raw_sql(
            "UPDATE audit_auditentry SET target_repr = %s WHERE id = %s",
            ["tampered", entries[1].pk],
        )
        err = io.StringIO()
        with self.assertRaises(SystemExit) as exit_info:
            call_command("verify_audit_log", stdout=io.StringIO(), stderr=err)
        self.assertEqual(exit_info.exception.code, 1)
        self.assertIn(f"id={entries[1].pk}", err.getvalue())


NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


class PurgeTests(TestCase):
    def make(self, days_ago: int, action: str) -> AuditEntry:
        with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
            return audit_log(action=action)

    def setUp(self) -> None:
        self.ancient = self.make(400, "test.ancient")
        self.old = self.make(200, "test.old")
        self.recent = self.make(182, "test.recent")
        self.today = self.make(0, "test.today")

    def test_removes_only_entries_older_than_retention(self):
        deleted = audit_purge(now=NOW)
        self.assertEqual(deleted, 2)
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        self.assertEqual(actions, {"test.recent", "test.today", "audit.purge"})

    def test_chain_still_verifies_after_purge(self):
        audit_purge(now=NOW)
        report = audit_chain_verify()
        self.assertTrue(report.ok, report)

    @override_settings(AUDIT_RETENTION_DAYS=30)
    def test_setting_cannot_go_below_183_days(self):
        self.assertEqual(retention_days(), 183)
        audit_purge(now=NOW)
        self.assertTrue(AuditEntry.objects.filter(pk=self.recent.pk).exists())

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_setting_may_keep_longer(self):
        audit_purge(now=NOW)
        self.assertFalse(AuditEntry.objects.filter(pk=self.ancient.pk).exists())
        self.assertTrue(AuditEntry.objects.filter(pk=self.old.pk).exists())

    def test_nothing_to_purge_is_a_no_op(self):
        audit_purge(now=NOW)
        count = AuditEntry.objects.count()
        self.assertEqual(audit_purge(now=NOW), 0)
        self.assertEqual(AuditEntry.objects.count(), count)

    def test_purge_command_and_task(self):
        with time_machine.travel(NOW, tick=False):
            out = io.StringIO()
            call_command("purge_audit_log", stdout=out)
        self.assertIn("deleted 2", out.getvalue())
        from audit.tasks import purge_audit_log_task

        with time_machine.travel(NOW, tick=False):
            self.assertEqual(purge_audit_log_task.delay().get(), 0)

    def test_purge_is_on_the_beat_schedule(self):
        entry = celery_app.conf.beat_schedule["audit-purge"]
        self.assertEqual(entry["task"], "audit.purge")
        self.assertIn("audit.purge", celery_app.tasks)

    def test_only_the_oldest_contiguous_run_goes(self):
        # A clock that jumped back: an old-dated entry after young ones stays, so the
        # chain is never cut in the middle.
        late_but_old = self.make(300, "test.clock_skew")
        audit_purge(now=NOW)
        self.assertTrue(AuditEntry.objects.filter(pk=late_but_old.pk).exists())
        self.assertFalse(AuditEntry.objects.filter(pk=self.old.pk).exists())
        self.assertTrue(audit_chain_verify().ok)
