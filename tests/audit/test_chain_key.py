"""Issue 13, finding "audit chain that resists the operator": rewriting a row and
re-chaining, deleting the newest rows, and a forged purge record all passed
``audit_chain_verify``. The chain is now keyed (HMAC, key from ``AUDIT_CHAIN_KEY_FILE``,
not in the database) and its head is anchored outside the database."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from django.db import connection
from django.test import TestCase, override_settings

from audit.models import AuditEntry
from audit.services import audit_chain_verify, audit_log
from tests.accounts.factories import UserFactory

KEY_DIR = Path(tempfile.mkdtemp(prefix="audit-key-"))
KEY_FILE = KEY_DIR / "chain.key"
KEY_FILE.write_bytes(b"k" * 32)
ANCHOR_FILE = KEY_DIR / "anchors.log"


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def attacker_hash(entry: AuditEntry) -> str:
    """What an operator with database access but without the key can compute."""
    return hashlib.sha256(entry.canonical().encode("utf-8")).hexdigest()


def rechain_from(entries: list[AuditEntry], start: int) -> None:
    """Rewrite every hash from ``entries[start]`` on, as an operator would."""
    previous = (
        AuditEntry.objects.get(pk=entries[start - 1].pk).entry_hash
        if start
        else "0" * 64
    )
    for entry in entries[start:]:
        entry = AuditEntry.objects.get(pk=entry.pk)
        entry.prev_hash = previous
        new_hash = attacker_hash(entry)
        raw_sql(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, new_hash, entry.pk],
        )
        previous = new_hash


@override_settings(
    AUDIT_CHAIN_KEY_FILE=str(KEY_FILE), AUDIT_ANCHOR_FILE=str(ANCHOR_FILE)
)
class KeyedChainTests(TestCase):
    def setUp(self) -> None:
        ANCHOR_FILE.unlink(missing_ok=True)
        self.user = UserFactory(username="qian")
        self.entries = [
            audit_log(action=f"test.step{i}", actor=self.user, details={"n": i})
            for i in range(5)
        ]

    def test_audit_chain_is_keyed_with_hmac_from_the_key_file(self):
        entry = AuditEntry.objects.get(pk=self.entries[0].pk)
        self.assertNotEqual(entry.entry_hash, attacker_hash(entry))
        self.assertTrue(audit_chain_verify().ok)

    def test_audit_chain_rewrite_and_rechain_is_detected(self):
        raw_sql(
            "UPDATE audit_auditentry SET action = %s WHERE id = %s",
            ["test.innocent", self.entries[2].pk],
        )
        rechain_from(self.entries, 2)
        report = audit_chain_verify()
        self.assertFalse(report.ok)
        self.assertEqual(report.broken_id, self.entries[2].pk)

    def test_audit_chain_truncation_of_the_newest_rows_is_detected(self):
        from audit.services import audit_anchor_head

        audit_anchor_head()
        raw_sql(
            "DELETE FROM audit_auditentry WHERE seq >= %s",
            [AuditEntry.objects.get(pk=self.entries[3].pk).seq],
        )
        report = audit_chain_verify()
        self.assertFalse(report.ok)
        self.assertIn("anchor", report.reason)

    def test_audit_chain_forged_purge_record_is_detected(self):
        first_kept = AuditEntry.objects.get(pk=self.entries[2].pk)
        raw_sql(
            "DELETE FROM audit_auditentry WHERE id IN (%s, %s)",
            [self.entries[0].pk, self.entries[1].pk],
        )
        tail = AuditEntry.objects.order_by("-seq").first()
        forged = AuditEntry(
            created_at=tail.created_at,
            action="audit.purge",
            target_type="audit.auditentry",
            details={
                "first_kept_id": first_kept.pk,
                "first_kept_prev_hash": first_kept.prev_hash,
            },
            prev_hash=tail.entry_hash,
        )
        forged.seq = tail.seq + 1
        forged.entry_hash = attacker_hash(forged)
        raw_sql(
            "INSERT INTO audit_auditentry (created_at, actor_username, action, target_type,"
            " target_id, target_repr, result, details, seq, prev_hash, entry_hash)"
            " VALUES (%s, '', 'audit.purge', 'audit.auditentry', '', '', 'success', %s, %s,"
            " %s, %s)",
            [
                forged.created_at,
                json.dumps(forged.details),
                forged.seq,
                forged.prev_hash,
                forged.entry_hash,
            ],
        )
        self.assertFalse(audit_chain_verify().ok)

    def test_audit_anchor_lines_are_signed(self):
        from audit.services import audit_anchor_head

        audit_anchor_head()
        line = ANCHOR_FILE.read_text().strip().splitlines()[-1]
        record = json.loads(line)
        self.assertEqual(record["seq"], AuditEntry.objects.order_by("-seq").first().seq)
        self.assertIn("mac", record)
        # An anchor line the operator writes without the key is ignored and reported.
        forged = dict(record, seq=1, mac="0" * 64)
        with ANCHOR_FILE.open("a") as handle:
            handle.write(json.dumps(forged) + "\n")
        report = audit_chain_verify()
        self.assertFalse(report.ok)
        self.assertIn("anchor", report.reason)
