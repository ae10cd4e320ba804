"""Failed-login counters and lockouts, per account and per client address.

Counters live in the default cache, so every web node shares them when ``REDIS_URL`` is
set. A counter expires ``ACCOUNTS_LOCKOUT_SECONDS`` after its first failure; when it
reaches ``ACCOUNTS_LOCKOUT_THRESHOLD`` the account (or address) is locked for
``ACCOUNTS_LOCKOUT_SECONDS``. The address comes from ``core.net.client_ip``, which
ignores a forged ``X-Forwarded-For`` unless trusted proxies are configured.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

_PREFIX = "accounts:lockout"


def _threshold() -> int:
    return settings.ACCOUNTS_LOCKOUT_THRESHOLD


def _address_threshold() -> int:
    return getattr(settings, "ACCOUNTS_LOCKOUT_ADDRESS_THRESHOLD", None) or _threshold()


def _seconds() -> int:
    return settings.ACCOUNTS_LOCKOUT_SECONDS


def _digest(value: str) -> str:
    # Hash the identifier: cache keys must be short and free of odd characters.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def account_key(identifier: str) -> str:
    return f"{_PREFIX}:account:{_digest(identifier.strip().lower())}"


def address_key(address: str | None) -> str | None:
    return f"{_PREFIX}:address:{_digest(address)}" if address else None


@dataclass(frozen=True)
class FailureOutcome:
    """What one more failure did: the counts and which locks it set just now."""

    account_failures: int
    address_failures: int
    account_locked_now: bool
    address_locked_now: bool


def _increment(key: str) -> int:
    # add() is atomic (SET NX on Redis): the first failure starts the window.
    if cache.add(f"{key}:n", 1, _seconds()):
        return 1
    try:
        return cache.incr(f"{key}:n")
    except ValueError:  # expired between add() and incr()
        cache.add(f"{key}:n", 1, _seconds())
        return 1


def is_locked(*, identifier: str, address: str | None) -> bool:
    """Return True when the account named ``identifier`` or the address is locked."""
    keys = [f"{account_key(identifier)}:locked"]
    if (akey := address_key(address)) is not None:
        keys.append(f"{akey}:locked")
    return any(cache.get_many(keys).values())


def failure_record(*, identifier: str, address: str | None) -> FailureOutcome:
    """Count one failed login for the account and the address; lock either at the threshold."""
    akey = account_key(identifier)
    account_failures = _increment(akey)
    account_locked_now = False
    if account_failures >= _threshold():
        account_locked_now = cache.add(f"{akey}:locked", 1, _seconds())
    address_failures = 0
    address_locked_now = False
    if (dkey := address_key(address)) is not None:
        address_failures = _increment(dkey)
        if address_failures >= _address_threshold():
            address_locked_now = cache.add(f"{dkey}:locked", 1, _seconds())
    return FailureOutcome(
        account_failures, address_failures, account_locked_now, address_locked_now
    )


def success_record(*, identifier: str) -> None:
    """Forget the account's failures after a good login.

    The address counter is kept: otherwise one valid account would let an attacker reset
    the per-address limit between guesses at other accounts.
    """
    cache.delete(f"{account_key(identifier)}:n")


def unlock(*, identifier: str = "", address: str | None = None) -> None:
    """Lift a lockout (security admin action)."""
    if identifier:
        key = account_key(identifier)
        cache.delete_many([f"{key}:n", f"{key}:locked"])
    if (dkey := address_key(address)) is not None:
        cache.delete_many([f"{dkey}:n", f"{dkey}:locked"])
