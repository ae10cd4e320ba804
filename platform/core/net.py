"""The client's address, as far as it can be trusted."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the client address.

    With ``ACCOUNTS_TRUSTED_PROXY_COUNT = n > 0``, take the n-th address from the right
    of X-Forwarded-For (the one our own outermost proxy saw); entries to its left were
    written by the client and can be forged. With 0, X-Forwarded-For is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.ACCOUNTS_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        p.strip()
        for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if p.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
