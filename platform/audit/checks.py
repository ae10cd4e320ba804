"""System checks: production keys the audit chain with a key of its own."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

KEY_FILE_MISSING = (
    "AUDIT_CHAIN_KEY_FILE is not set: production would seal the audit log with a key "
    "derived from SECRET_KEY."
)
KEY_FILE_UNREADABLE = "AUDIT_CHAIN_KEY_FILE {path} cannot be read."
KEY_FILE_SHORT = "AUDIT_CHAIN_KEY_FILE {path} holds fewer than 32 bytes."
KEY_FILE_HINT = (
    "Create it once (`head -c 48 /dev/urandom | base64 > /etc/lawtrain/audit-chain.key`, "
    "mode 400, owned by the application user, kept off the database server) and point "
    "AUDIT_CHAIN_KEY_FILE at it (docs/security.md)."
)


@register(Tags.security)
def check_audit_chain_key_in_production(app_configs=None, **kwargs):
    """audit.E001: in production, AUDIT_CHAIN_KEY_FILE names a readable key of ≥ 32
    bytes. An error stops ``migrate``, ``check --deploy`` and ``runserver``, so a
    release without the key does not start."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    path = str(getattr(settings, "AUDIT_CHAIN_KEY_FILE", "") or "")
    if not path:
        return [Error(KEY_FILE_MISSING, hint=KEY_FILE_HINT, id="audit.E001")]
    try:
        key = Path(path).read_bytes().strip()
    except OSError:
        return [
            Error(
                KEY_FILE_UNREADABLE.format(path=path),
                hint=KEY_FILE_HINT,
                id="audit.E001",
            )
        ]
    if len(key) < 32:
        return [
            Error(KEY_FILE_SHORT.format(path=path), hint=KEY_FILE_HINT, id="audit.E001")
        ]
    return []
