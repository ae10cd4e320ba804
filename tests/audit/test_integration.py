"""On PostgreSQL: the chain holds under concurrent writers, the trigger refuses UPDATE
and young DELETE, verification catches an edit made with the trigger switched off, and
the purge runs on a real Celery worker."""

from __future__ import annotations

import datetime as dt
import threading
import time

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

    def test_writers_inside_long_transactions_do_not_wait_for_each_other(self):
        """Entries audited inside the application's transactions are appended unsealed
        (no chain lock held while the transaction goes on) and sealed in order after
        the commit; a rolled-back transaction leaves nothing; the chain verifies."""
        writers, hold = 8, 0.5
        errors: list[BaseException] = []
        start = threading.Barrier(writers)

        def write(n: int) -> None:
            try:
                start.wait()
                with transaction.atomic():
                    audit_log(action="test.long", details={"writer": n})
                    time.sleep(hold)  # the rest of a long transaction
                    if n == 0:
                        transaction.set_rollback(True)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        self.assertEqual(errors, [])
        # Serialised behind one lock they would need writers × hold = 4 s.
        self.assertLess(elapsed, writers * hold / 2)
        entries = list(AuditEntry.objects.filter(action="test.long").order_by("seq"))
        self.assertEqual(
            sorted(e.details["writer"] for e in entries), list(range(1, writers))
        )
        self.assertTrue(
            all(
                e.seq is not None and not e.entry_hash.startswith("unsealed:")
                for e in entries
            )
        )
        self.assertEqual(
            [e.seq for e in entries],
            list(range(entries[0].seq, entries[0].seq + writers - 1)),
        )
        report = audit_chain_verify()
        self.assertTrue(report.ok, report)
        self.assertEqual(report.checked, writers - 1)

    def test_trigger_allows_sealing_once_and_nothing_else(self):
        with transaction.atomic():
            pending = audit_log(action="test.pending")
            self.assertIsNone(pending.seq)
            with (
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                # An unsealed entry's content cannot change on its way into the chain.
                cursor.execute(
                    "UPDATE audit_auditentry SET action = 'x', seq = 999999 WHERE id = %s",
                    [pending.pk],
                )
        sealed = AuditEntry.objects.get(pk=pending.pk)
        self.assertIsNotNone(sealed.seq)
        self.assertEqual(sealed.action, "test.pending")
        with (
            self.assertRaises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE audit_auditentry SET seq = seq + 1000 WHERE id = %s",
                [pending.pk],
            )
        self.assertTrue(audit_chain_verify().ok)

    def test_trigger_refuses_update_and_young_delete(self):
        entry = audit_log(action="test.one")
        for sql in (
            "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
            "DELETE FROM audit_auditentry WHERE id = %s",
        ):
            with (
                self.subTest(sql=sql),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [entry.pk])
        self.assertTrue(
            AuditEntry.objects.filter(pk=entry.pk, action="test.one").exists()
        )

    def test_trigger_allows_deleting_entries_past_retention(self):
        with time_machine.travel(
            dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=200), tick=False
        ):
            old = audit_log(action="test.old")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
        self.assertFalse(AuditEntry.objects.filter(pk=old.pk).exists())

    def test_edit_with_trigger_disabled_is_detected(self):
        entries = [audit_log(action=f"test.{i}") for i in range(3)]
        with connection.cursor() as cursor:
            # What a DBA with owner rights could do; the chain still tells.
            cursor.execute(
                "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_guard"
            )
            cursor.execute(
                "UPDATE audit_auditentry SET result = 'success', target_repr = 'x' WHERE id = %s",
                [entries[1].pk],
            )
            cursor.execute(
                "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_guard"
            )
        self.assertEqual(audit_chain_verify().broken_id, entries[1].pk)


@pytest.mark.usefixtures("celery_worker_process")
class AuditPurgeWorkerTests(TransactionTestCase):
    def test_purge_task_runs_on_the_worker(self):
        from audit.tasks import purge_audit_log_task

        with time_machine.travel(
            dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=400), tick=False
        ):
            audit_log(action="test.ancient")
        young = audit_log(action="test.young")
        deleted = purge_audit_log_task.delay().get(timeout=60)
        self.assertEqual(deleted, 1)
        self.assertEqual(
            set(AuditEntry.objects.values_list("action", flat=True)),
            {"test.young", "audit.purge"},
        )
        self.assertTrue(AuditEntry.objects.filter(pk=young.pk).exists())
        self.assertTrue(audit_chain_verify().ok)
