"""CPU per sign-in (one password check) with the stored-password hasher in use
(Argon2id, ``accounts.hashers``) against the one before it (PBKDF2-SHA256 at Django's
1,000,000 rounds), measured in the same run, and what a hall of officers signing in
before an exam costs with each.

    .venv/bin/python bench/accounts_password_hashing.py [--checks 20] [--hall 300]

No database: the hashers only. CPU time (time.process_time), so other load on the
machine matters little.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checks", type=int, default=20, help="password checks per hasher"
    )
    parser.add_argument(
        "--hall", type=int, default=300, help="officers signing in for one sitting"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher

    password = "Jingwu@2026"  # noqa: S105 - the demo password
    current, before = get_hasher(), PBKDF2PasswordHasher()
    cost = {}
    for label, hasher in (("before", before), ("current", current)):
        encoded = hasher.encode(password, hasher.salt())
        start = time.process_time()
        for _ in range(args.checks):
            if not hasher.verify(password, encoded):
                raise SystemExit(f"{hasher.algorithm} did not verify its own hash")
        cost[label] = (time.process_time() - start) / args.checks
        params = {
            k: v
            for k, v in hasher.safe_summary(encoded).items()
            if k not in ("algorithm", "salt", "hash")
        }
        print(f"{label:8s} {hasher.algorithm:14s} {params}")
        print(
            f"         {cost[label] * 1e3:7.1f} ms CPU per sign-in   a hall of {args.hall}: "
            f"{cost[label] * args.hall:6.1f} s CPU ({cost[label] * args.hall / os.cpu_count():5.1f} s of "
            f"all {os.cpu_count()} cores)"
        )
    print(f"current / before = {cost['current'] / cost['before']:.3f}")


if __name__ == "__main__":
    main()
