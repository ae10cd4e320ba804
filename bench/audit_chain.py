"""What the hash chain costs: audit_log() against a plain INSERT of the same row, and the
speed of verify_audit_log, on a throwaway database.

    .venv/bin/python bench/audit_chain.py [--entries 5000] [--writers 4] [--database-url postgres://postgres@127.0.0.1:5432/bench_audit]

Without --database-url it uses a temporary SQLite file. With PostgreSQL it (re)creates the
named database. Prints entries per second and the ratio to the plain-insert baseline.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from _bootstrap import bench_django_setup

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument(
        "--writers", type=int, default=4, help="concurrent threads for the chained run"
    )
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    bench_django_setup(prefix="bench-audit-", database_url=args.database_url)
    from django.db import connection, connections
    from django.utils import timezone

    from audit.models import AuditEntry
    from audit.services import GENESIS_HASH, audit_chain_verify, audit_log

    n = args.entries

    # Baseline: the same rows, bulk-free single INSERTs, no lock and no hash lookup.
    started = time.perf_counter()
    for i in range(n):
        entry = AuditEntry(
            created_at=timezone.now(),
            action="bench.plain",
            details={"i": i},
            prev_hash=GENESIS_HASH,
            entry_hash=f"{i:064d}",
        )
        entry.save()
    plain = n / (time.perf_counter() - started)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {table} DISABLE TRIGGER audit_auditentry_guard"
            )
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_auditentry_guard")

    per_writer = n // args.writers

    def write() -> None:
        for i in range(per_writer):
            audit_log(action="bench.chained", details={"i": i})
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=write) for _ in range(args.writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chained = per_writer * args.writers / (time.perf_counter() - started)

    started = time.perf_counter()
    report = audit_chain_verify()
    verify = report.checked / (time.perf_counter() - started)
    print(f"plain INSERT (1 writer):           {plain:10.0f} entries/s  (baseline)")
    print(
        f"audit_log ({args.writers} writers, chained):  {chained:10.0f} entries/s  ({chained / plain:.2f}x baseline)"
    )
    print(
        f"verify_audit_log:                  {verify:10.0f} entries/s  ({report.checked} entries, intact={report.ok})"
    )


if __name__ == "__main__":
    main()
