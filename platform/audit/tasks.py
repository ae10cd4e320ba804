"""Audit jobs: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import audit_anchor_head, audit_chain_verify, audit_purge, audit_seal


@shared_task(name="audit.purge")
def purge_audit_log_task() -> int:
    """Daily: remove entries older than the retention period (never younger than 183 days)."""
    return audit_purge()


@shared_task(name="audit.seal")
def seal_audit_log_task() -> int:
    """Every minute: seal entries a process committed but could not seal (it crashed)."""
    return audit_seal()


@shared_task(name="audit.verify")
def verify_audit_log_task() -> dict:
    """Daily: recompute the chain; log CRITICAL (for the alerting) when it is broken."""
    import logging

    report = audit_chain_verify()
    if not report.ok:
        logging.getLogger("audit").critical(
            "audit log broken at entry id=%s: %s", report.broken_id, report.reason
        )
    return {"ok": report.ok, "checked": report.checked, "broken_id": report.broken_id}


@shared_task(name="audit.anchor")
def anchor_audit_log_task() -> int | None:
    """Every ``AUDIT_ANCHOR_SECONDS`` (600): write the signed head outside the database."""
    record = audit_anchor_head()
    return record["seq"] if record else None
