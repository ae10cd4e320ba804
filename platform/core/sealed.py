"""Sealed values: secrets that must wait on the server for a short while (a temporary
password until it is shown, an import's passwords until they are downloaded, a checked
HR sheet until it is applied) are kept encrypted and expire.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key derived from
``SECRET_KEY``, which is in the environment, not in the database or the media storage:
whoever reads the session table or the storage alone reads nothing. Each token carries
its creation time; ``unseal`` refuses one older than ``max_age`` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from django.conf import settings

from cryptography.fernet import Fernet, InvalidToken


class SealExpired(Exception):
    """The sealed value is older than allowed, or was not sealed with this key."""


def _fernet() -> Fernet:
    key = hashlib.sha256(b"core.sealed:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: bytes) -> bytes:
    """Return ``data`` encrypted and time-stamped."""
    return _fernet().encrypt(data)


def unseal(token: bytes, *, max_age: int) -> bytes:
    """Return the data sealed in ``token``; raise SealExpired when it is older than
    ``max_age`` seconds or not ours."""
    try:
        return _fernet().decrypt(token, ttl=max_age)
    except InvalidToken as e:
        raise SealExpired from e


def seal_json(value: Any) -> str:
    """Seal a JSON-serialisable value as text (for the session)."""
    return seal(json.dumps(value).encode()).decode("ascii")


def unseal_json(token: Any, *, max_age: int) -> Any:
    """Return the value of ``seal_json``; SealExpired when expired or not a token."""
    if not isinstance(token, str):
        raise SealExpired
    return json.loads(unseal(token.encode("ascii"), max_age=max_age))
