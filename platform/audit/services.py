"""Writing to the audit log, verifying its hash chain and purging old entries.

Everything that must be audited calls ``audit_log``. The application never changes or
deletes an entry; ``audit_purge`` removes only entries older than the retention period
(raw SQL, guarded by the date here and, on PostgreSQL, by a trigger).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.net import client_ip as request_client_ip

from .models import AuditEntry, AuditResult

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
UNSEALED_PREFIX = "unsealed:"
CHAIN_LOCK_ID = 7_310_001
MIN_RETENTION_DAYS = (
    183  # the legal floor (MLPS: at least six months); settings may only raise it
)
BROKEN_HASH = "entry content does not match its hash (edited)"
BROKEN_LINK = "previous-hash link broken (entry removed or reordered)"
BROKEN_START = (
    "the oldest entry does not continue the chain and no purge record explains it"
)
BROKEN_ANCHOR_SIGNATURE = "an anchor line is not signed with the chain key (forged)"
BROKEN_ANCHOR_REWRITTEN = "an anchored entry was rewritten (anchor seq %s)"
BROKEN_ANCHOR_TRUNCATED = (
    "entries up to the anchored head were removed (anchor seq %s, log ends at %s)"
)
BROKEN_ANCHOR_MISSING = "an anchored entry is missing and no purge explains it (seq %s)"


def _lock_chain() -> None:
    """Serialise chain writers so that each entry hashes the true previous one.

    PostgreSQL: a transaction-scoped advisory lock, only ever taken by short
    transactions (an immediate append, or a seal) so nobody waits behind a long one.
    SQLite: writes already serialise (the connection opens transactions with BEGIN
    IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])


def _normalise_ip(address: str | None) -> str | None:
    # PostgreSQL's inet type returns the canonical form; hash what will be read back.
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _in_application_transaction() -> bool:
    """True inside a transaction opened by the application (not only by a test case)."""
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


def _chain_tail() -> tuple[int, str]:
    """The last sealed entry's place and hash (the caller holds the chain lock)."""
    last = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "entry_hash")
        .first()
    )
    if last is None or last[0] is None:
        return 0, GENESIS_HASH
    return last[0], last[1]


def _seal_pending() -> tuple[int, str, int]:
    """Seal every committed (visible) unsealed entry in id order, after the tail.

    The caller holds the chain lock. Return the new tail (seq, hash) and the count.
    The hash is computed from the row as stored (what verification will read back).
    """
    seq, tail = _chain_tail()
    pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id"))
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        for entry in pending:
            seq += 1
            entry.seq, entry.prev_hash = seq, tail
            entry.entry_hash = tail = entry.compute_hash()
            cursor.execute(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, entry_hash = %s WHERE id = %s AND seq IS NULL",  # noqa: S608
                [entry.seq, entry.prev_hash, entry.entry_hash, entry.pk],
            )
    return seq, tail, len(pending)


def audit_seal() -> int:
    """Give every committed unsealed entry its place in the chain; return how many.

    A short single-writer step (the chain lock is held only for it). Runs right after
    the commit of every transaction that audited, before verification and purges, and
    from the ``audit.seal`` beat task for anything a crashed process left unsealed.
    """
    with transaction.atomic():
        _lock_chain()
        return _seal_pending()[2]


def _seal_after_commit() -> None:
    try:
        audit_seal()
    except Exception:
        logger.exception(
            "audit entries left unsealed after commit; the next seal will take them"
        )


def audit_log(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    result: str = AuditResult.SUCCESS,
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``actor`` defaults to ``request.user``; the client address comes from the request
    through ``core.net.client_ip`` (which ignores forged forwarding headers), or from
    ``client_ip`` for an action recorded earlier by a request.

    Outside a transaction the entry is chained at once (a short locked transaction).
    Inside the application's transaction on PostgreSQL it is inserted unsealed, so it
    commits or rolls back with the action, and no lock is held while the transaction
    goes on; it is sealed in order right after the commit (``audit_seal``).
    """
    if (
        actor is None
        and request is not None
        and getattr(request, "user", None) is not None
    ):
        actor = request.user if request.user.is_authenticated else None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)[:255]
    if client_ip is None and request is not None:
        client_ip = request_client_ip(request)
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_repr=target_repr[:255],
        result=result,
        client_ip=_normalise_ip(client_ip),
        details=details or {},
        prev_hash="",
    )
    if connection.vendor == "postgresql" and _in_application_transaction():
        entry.entry_hash = UNSEALED_PREFIX + uuid.uuid4().hex
        entry.save()
        transaction.on_commit(_seal_after_commit)
        return entry
    with transaction.atomic():
        _lock_chain()
        seq, tail, _sealed = _seal_pending()
        entry.seq, entry.prev_hash = seq + 1, tail
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The outcome of ``audit_chain_verify``."""

    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.reason


def _purge_anchor(first: AuditEntry) -> bool:
    """Return True when a purge record vouches for ``first`` starting the chain."""
    return AuditEntry.objects.filter(
        action="audit.purge",
        details__first_kept_id=first.pk,
        details__first_kept_prev_hash=first.prev_hash,
    ).exists()


def audit_chain_verify(*, progress: Any = None) -> ChainReport:
    """Seal what is committed, then recompute every entry's hash and link in chain
    order; return the first break.

    The first entry must link to the genesis hash, or to what a recorded purge says it
    linked to. ``progress`` is called with each checked entry (for a bar).
    """
    audit_seal()
    checked = 0
    previous_hash: str | None = None
    entries: Iterator[AuditEntry] = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("seq")
        .iterator(chunk_size=2000)
    )
    legacy_until = int(getattr(settings, "AUDIT_LEGACY_CHAIN_UNTIL_SEQ", 0) or 0)
    for entry in entries:
        if entry.compute_hash() != entry.entry_hash and not (
            # Entries sealed before the chain was keyed (up to the seq the operator
            # configured at the upgrade) carry the unkeyed hash.
            entry.seq is not None
            and entry.seq <= legacy_until
            and entry.compute_legacy_hash() == entry.entry_hash
        ):
            return ChainReport(checked, entry.pk, BROKEN_HASH)
        if previous_hash is None:
            if entry.prev_hash != GENESIS_HASH and not _purge_anchor(entry):
                return ChainReport(checked, entry.pk, BROKEN_START)
        elif entry.prev_hash != previous_hash:
            return ChainReport(checked, entry.pk, BROKEN_LINK)
        previous_hash = entry.entry_hash
        checked += 1
        if progress is not None:
            progress(entry)
    return _check_anchors(checked)


# Head anchors -------------------------------------------------------------------------


def anchor_file() -> Path:
    """Return the append-only file the signed heads go to (``AUDIT_ANCHOR_FILE``)."""
    configured = getattr(settings, "AUDIT_ANCHOR_FILE", "") or ""
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "audit-anchors.log"


def _anchor_mac(record: dict[str, Any]) -> str:
    from .keys import sign

    return sign(
        json.dumps(
            {k: record[k] for k in ("seq", "entry_hash", "at")},
            sort_keys=True,
        )
    )


def audit_anchor_head() -> dict[str, Any] | None:
    """Append the chain's head (seq, hash, time), signed with the chain key, to
    ``anchor_file()`` and to the ``audit.anchor`` logger (send it to syslog / a remote
    collector in production). Verification then detects removal of the newest entries
    or a rewrite of an anchored one. Return the record, or None for an empty log."""
    audit_seal()
    head = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values("seq", "entry_hash")
        .first()
    )
    if head is None:
        return None
    record: dict[str, Any] = {
        "seq": head["seq"],
        "entry_hash": head["entry_hash"],
        "at": timezone.now().isoformat(),
    }
    record["mac"] = _anchor_mac(record)
    line = json.dumps(record, sort_keys=True)
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    logging.getLogger("audit.anchor").info(line)
    return record


def _read_anchors() -> list[dict[str, Any]] | None:
    """Return the anchor records, or None when one is not signed with the key."""
    path = anchor_file()
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            valid = hmac.compare_digest(str(record["mac"]), _anchor_mac(record))
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            return None
        records.append(record)
    return records


def _check_anchors(checked: int) -> ChainReport:
    anchors = _read_anchors()
    if anchors is None:
        return ChainReport(checked, None, BROKEN_ANCHOR_SIGNATURE)
    if not anchors:
        return ChainReport(checked)
    sealed = AuditEntry.objects.filter(seq__isnull=False)
    last_seq = sealed.order_by("-seq").values_list("seq", flat=True).first() or 0
    first_seq = sealed.order_by("seq").values_list("seq", flat=True).first() or 0
    purged_through = max(
        (
            int(d.get("deleted_through_seq") or 0)
            for d in AuditEntry.objects.filter(action="audit.purge").values_list(
                "details", flat=True
            )
        ),
        default=0,
    )
    for record in anchors:
        seq = int(record["seq"])
        if seq > last_seq:
            return ChainReport(checked, None, BROKEN_ANCHOR_TRUNCATED % (seq, last_seq))
        stored = sealed.filter(seq=seq).values_list("id", "entry_hash").first()
        if stored is None:
            if seq < first_seq and seq <= purged_through:
                continue  # removed by a (keyed, verified) purge
            return ChainReport(checked, None, BROKEN_ANCHOR_MISSING % seq)
        if stored[1] != record["entry_hash"]:
            return ChainReport(checked, stored[0], BROKEN_ANCHOR_REWRITTEN % seq)
    return ChainReport(checked)


def retention_days() -> int:
    """Return the retention period: AUDIT_RETENTION_DAYS, never less than 183 days."""
    return max(
        MIN_RETENTION_DAYS,
        int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)),
    )


@transaction.atomic
def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete entries older than the retention period; return how many went.

    Only a contiguous run of the oldest entries is removed, so the chain stays whole
    from the first kept entry; a new ``audit.purge`` entry records where it now starts.
    The model refuses ``delete()``, so this one place uses SQL, guarded by the date.
    """
    _lock_chain()
    _seal_pending()  # every visible entry has its place before the oldest run is cut
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    sealed = AuditEntry.objects.filter(seq__isnull=False)
    first_young = (
        sealed.filter(created_at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    old = sealed.filter(created_at__lt=cutoff)
    if first_young is not None:
        old = old.filter(seq__lt=first_young)
    last_old = old.order_by("-seq").values_list("seq", "id").first()
    if last_old is None:
        return 0
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE seq <= %s AND created_at < %s",  # noqa: S608 - table name is ours
            [last_old[0], cutoff],
        )
        deleted = cursor.rowcount
    first_kept = AuditEntry.objects.filter(seq__isnull=False).order_by("seq").first()
    audit_log(
        action="audit.purge",
        target_type="audit.auditentry",
        details={
            "deleted": deleted,
            "deleted_through_id": last_old[1],
            "deleted_through_seq": last_old[0],
            "cutoff": cutoff.isoformat(),
            "retention_days": retention_days(),
            "first_kept_id": first_kept.pk if first_kept else None,
            "first_kept_prev_hash": first_kept.prev_hash if first_kept else None,
        },
    )
    return deleted
