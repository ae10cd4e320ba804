"""On PostgreSQL: the chain holds under concurrent writers, the trigger refuses UPDATE
and young DELETE, verification catches an edit made with the trigger switched off, and
the purge runs on a real Celery worker."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import DatabaseError, connection, connections, transaction
from django.test import TransactionTestCase

import pytest
import time_machine

from audit.models import AuditEntry
from audit.services import audit_chain_verify, audit_log

pytestmark = pytest.mark.integration


def _postgres() -> bool:
    return connection.vendor == "postgresql"


class AuditChainPostgresTests(TransactionTestCase):
    def setUp(self) -> None:
        if not _postgres():
            self.skipTest("needs PostgreSQL (the trigger and the advisory lock)")

    def test_chain_holds_under_concurrent_writers(self):
        writers, per_writer = 8, 25
        errors: list[BaseException] = []
        start = threading.Barrier(writers)

        def write(n: int) -> None:
            try:
                start.wait()
                for i in range(per_writer):
                    audit_log(action="test.concurrent", details={"writer": n, "i": i})
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(AuditEntry.objects.count(), writers * per_writer)
        report = audit_chain_verify()
        self.assertTrue(report.ok, report)
        self.assertEqual(report.checked, writers * per_writer)
        # Every entry has its own predecessor: no two writers hashed the same one.
        prevs = list(AuditEntry.objects.values_list("prev_hash", flat=True))
        self.assertEqual(len(prevs), len(set(prevs)))

    def test_trigger_refuses_update_and_young_delete(self):
        entry = audit_log(action="test.one")
        for sql in ("UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
                    "DELETE FROM audit_auditentry WHERE id = %s"):
            with self.subTest(sql=sql), self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
        self.assertTrue(AuditEntry.objects.filter(pk=entry.pk, action="test.one").exists())

    def test_trigger_allows_deleting_entries_past_retention(self):
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=200), tick=False):
            old = audit_log(action="test.old")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
        self.assertFalse(AuditEntry.objects.filter(pk=old.pk).exists())

    def test_edit_with_trigger_disabled_is_detected(self):
        entries = [audit_log(action=f"test.{i}") for i in range(3)]
        with connection.cursor() as cursor:
            # What a DBA with owner rights could do; the chain still tells.
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_guard")
            cursor.execute("UPDATE audit_auditentry SET result = 'success', target_repr = 'x' WHERE id = %s", [entries[1].pk])
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_guard")
        self.assertEqual(audit_chain_verify().broken_id, entries[1].pk)


@pytest.mark.usefixtures("celery_worker_process")
class AuditPurgeWorkerTests(TransactionTestCase):
    def test_purge_task_runs_on_the_worker(self):
        from audit.tasks import purge_audit_log_task

        with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=400), tick=False):
            audit_log(action="test.ancient")
        young = audit_log(action="test.young")
        deleted = purge_audit_log_task.delay().get(timeout=60)
        self.assertEqual(deleted, 1)
        self.assertEqual(set(AuditEntry.objects.values_list("action", flat=True)), {"test.young", "audit.purge"})
        self.assertTrue(AuditEntry.objects.filter(pk=young.pk).exists())
        self.assertTrue(audit_chain_verify().ok)
