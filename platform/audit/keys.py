"""The audit chain's key and the head anchors.

The key comes from ``AUDIT_CHAIN_KEY_FILE`` (at least 32 bytes, readable by the
application only, kept off the database server). Without the setting (development,
tests) a key is derived from ``SECRET_KEY``, which is not in the database either; the
production settings refuse to start without the file (``audit.checks``).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from django.conf import settings

KEY_TOO_SHORT = "AUDIT_CHAIN_KEY_FILE must hold at least 32 bytes"


@lru_cache(maxsize=4)
def _key_from(path: str, secret: str) -> bytes:
    if path:
        key = Path(path).read_bytes().strip()
        if len(key) < 32:
            raise ValueError(KEY_TOO_SHORT)
        return key
    return hashlib.sha256(b"audit-chain:" + secret.encode("utf-8")).digest()


def chain_key() -> bytes:
    """Return the key the chain's HMACs use (read once per process and path)."""
    return _key_from(
        str(getattr(settings, "AUDIT_CHAIN_KEY_FILE", "") or ""), settings.SECRET_KEY
    )


def sign(text: str) -> str:
    """Return the HMAC-SHA256 of ``text`` under the chain key (hex)."""
    return hmac.new(chain_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()
