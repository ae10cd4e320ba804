"""Writing to the audit log. Everything that must be audited calls ``audit_log``."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.net import client_ip

from .models import AuditEntry, AuditResult

GENESIS_HASH = "0" * 64


def _lock_chain() -> None:
    """Serialise writers so that each entry hashes the true previous one.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writes already serialise
    (the connection opens transactions with BEGIN IMMEDIATE).
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [7_310_001])


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
            client_ip=client_ip(request) if request is not None else None,
            details=details or {},
            prev_hash=last or GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry
