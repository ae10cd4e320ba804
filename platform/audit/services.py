"""Writing to the audit log, verifying its hash chain and purging old entries.

Everything that must be audited calls ``audit_log``. The application never changes or
deletes an entry; ``audit_purge`` removes only entries older than the retention period
(raw SQL, guarded by the date here and, on PostgreSQL, by a trigger).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.net import client_ip

from .models import AuditEntry, AuditResult

GENESIS_HASH = "0" * 64
CHAIN_LOCK_ID = 7_310_001
MIN_RETENTION_DAYS = 183  # the legal floor (MLPS: at least six months); settings may only raise it
BROKEN_HASH = "entry content does not match its hash (edited)"
BROKEN_LINK = "previous-hash link broken (entry removed or reordered)"
BROKEN_START = "the oldest entry does not continue the chain and no purge record explains it"


def _lock_chain() -> None:
    """Serialise writers so that each entry hashes the true previous one.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writes already serialise
    (the connection opens transactions with BEGIN IMMEDIATE).
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
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``actor`` defaults to ``request.user``; the client address comes from the request
    through ``core.net.client_ip`` (which ignores forged forwarding headers).
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)[:255]
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=getattr(actor, "username", "") or "",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            target_repr=target_repr[:255],
            result=result,
            client_ip=_normalise_ip(client_ip(request)) if request is not None else None,
            details=details or {},
            prev_hash=last or GENESIS_HASH,
        )
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
        return self.broken_id is None


def _purge_anchor(first: AuditEntry) -> bool:
    """Return True when a purge record vouches for ``first`` starting the chain."""
    return AuditEntry.objects.filter(
        action="audit.purge",
        details__first_kept_id=first.pk,
        details__first_kept_prev_hash=first.prev_hash,
    ).exists()


def audit_chain_verify(*, progress: Any = None) -> ChainReport:
    """Recompute every entry's hash and link, oldest first; return the first break.

    The oldest entry must link to the genesis hash, or to what a recorded purge
    says it linked to. ``progress`` is called with each checked entry (for a bar).
    """
    checked = 0
    previous_hash: str | None = None
    entries: Iterator[AuditEntry] = AuditEntry.objects.order_by("id").iterator(chunk_size=2000)
    for entry in entries:
        if entry.compute_hash() != entry.entry_hash:
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
    return ChainReport(checked)


def retention_days() -> int:
    """Return the retention period: AUDIT_RETENTION_DAYS, never less than 183 days."""
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)))


@transaction.atomic
def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete entries older than the retention period; return how many went.

    Only a contiguous run of the oldest entries is removed, so the chain stays whole
    from the first kept entry; a new ``audit.purge`` entry records where it now starts.
    The model refuses ``delete()``, so this one place uses SQL, guarded by the date.
    """
    _lock_chain()
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    first_young = AuditEntry.objects.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    old = AuditEntry.objects.filter(created_at__lt=cutoff)
    if first_young is not None:
        old = old.filter(id__lt=first_young)
    last_old = old.order_by("-id").values_list("id", flat=True).first()
    if last_old is None:
        return 0
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id <= %s AND created_at < %s",  # noqa: S608 - table name is ours
            [last_old, cutoff],
        )
        deleted = cursor.rowcount
    first_kept = AuditEntry.objects.order_by("id").first()
    audit_log(
        action="audit.purge",
        target_type="audit.auditentry",
        details={
            "deleted": deleted,
            "deleted_through_id": last_old,
            "cutoff": cutoff.isoformat(),
            "retention_days": retention_days(),
            "first_kept_id": first_kept.pk if first_kept else None,
            "first_kept_prev_hash": first_kept.prev_hash if first_kept else None,
        },
    )
    return deleted
