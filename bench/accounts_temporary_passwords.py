"""CPU per person of giving a temporary password (what an applied people import now does
for every new person): the reduced-cost hash used (accounts.services.temporary_password_hash)
against the full-cost hash of ordinary passwords, and against the old import, which
gave no password at all (the baseline).

    .venv/bin/python bench/accounts_temporary_passwords.py

Uses the production hashers (Argon2id for ordinary passwords, accounts.hashers; PBKDF2 at
5,000 rounds for temporary ones) and no database. CPU time
(time.process_time), so other load on the machine matters little.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def per_op(fn: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import get_hasher, make_password

    from accounts.models import User
    from accounts.services import temporary_password_generate, temporary_password_hash

    hasher = get_hasher()
    params = {
        k: v
        for k, v in hasher.safe_summary(hasher.encode("x", hasher.salt())).items()
        if k not in ("algorithm", "salt", "hash")
    }
    print(f"hasher for ordinary passwords: {hasher.algorithm} {params}")
    base = per_op(lambda: User().set_unusable_password(), 2000)
    reduced = per_op(
        lambda: temporary_password_hash(temporary_password_generate()), 300
    )
    full = per_op(lambda: make_password(temporary_password_generate()), 10)
    for label, cost in (
        ("no password (old import)", base),
        ("temporary, reduced cost", reduced),
        ("temporary, full cost", full),
    ):
        print(
            f"{label:26s} {cost * 1e3:9.3f} ms/person   10,000 people: {cost * 1e4:7.1f} s CPU"
        )
    print(f"full cost / reduced cost = {full / reduced:.0f}x")


if __name__ == "__main__":
    main()
