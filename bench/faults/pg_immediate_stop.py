"""Stop PostgreSQL immediately (``pg_ctl stop -m immediate``: no checkpoint, like a power
cut) while writers save answers; after restart, no acknowledged write may be missing.

    .venv/bin/python bench/faults/pg_immediate_stop.py --trials 20

Runs against a THROWAWAY cluster of its own (``pg_createcluster <ver> faults -p 5544``,
created on first use, loopback only) so the shared server is never disturbed. Writers
call records.services.learning_event_record (one row per idempotency key), each in its
own transaction; a write counts as acknowledged only when the commit returned. Writers
retry through the outage, as the exam page's autosave does.
trials = immediate stops; failures = trials after which the server did not come back;
losses = acknowledged writes missing afterwards; duplicates = keys stored twice.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import setup_django  # noqa: E402

CLUSTER = "faults"


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def ctl(action: str, *extra: str) -> int:
    return subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            pg_version(),
            CLUSTER,
            action,
            *extra,
        ],
        capture_output=True,
        check=False,
    ).returncode


def ensure_cluster(port: int) -> None:
    conf = Path("/etc/postgresql") / pg_version() / CLUSTER
    if not conf.exists():
        subprocess.run(
            ["pg_createcluster", pg_version(), CLUSTER, "-p", str(port)],
            check=True,
            capture_output=True,
        )
        hba = conf / "pg_hba.conf"
        # Loopback only, no password: a throwaway cluster for this script.
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    ctl("start")
    for _ in range(240):
        if (
            subprocess.run(
                ["pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
            ).returncode
            == 0
        ):
            return
        time.sleep(0.5)
    raise SystemExit(f"the {CLUSTER} cluster on port {port} did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--port", type=int, default=5544)
    parser.add_argument("--down-seconds", type=float, default=1.0)
    parser.add_argument("--up-seconds", type=float, default=2.0)
    args = parser.parse_args()

    ensure_cluster(args.port)
    setup_django(
        f"postgres://postgres@127.0.0.1:{args.port}/h_hardening",
        "memory://",
        "faults-pg",
    )
    from django.db import InterfaceError, OperationalError, connection
    from django.utils import timezone

    from accounts.models import User
    from records.models import LearningEvent, Verb
    from records.services import learning_event_record

    actor, _ = User.objects.get_or_create(
        username="faults-pg", defaults={"full_name": "故障测试"}
    )
    verb = Verb.values[0]

    run = uuid.uuid4().hex[:8]
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    errors = {"retries": 0}

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            key = f"{run}-{n}-{i}"
            try:
                learning_event_record(
                    actor=actor,
                    verb=verb,
                    object_type="faults",
                    object_id=key,
                    object_name="故障测试",
                    result={},
                    timestamp=timezone.now(),
                    idempotency_key=key,
                )
            except (OperationalError, InterfaceError):
                errors["retries"] += 1
                connection.close()
                time.sleep(0.1)
                continue  # retry the same key, as an autosave does
            with lock:
                acknowledged.append(key)
            i += 1
        connection.close()

    threads = [
        threading.Thread(target=writer, args=(n,), daemon=True)
        for n in range(args.writers)
    ]
    for t in threads:
        t.start()
    failures = 0
    for trial in range(args.trials):
        time.sleep(args.up_seconds)
        ctl("stop", "-m", "immediate")
        time.sleep(args.down_seconds)
        if ctl("start") != 0:
            failures += 1
        print(
            f"  trial {trial + 1}: acknowledged so far {len(acknowledged)}", flush=True
        )
    time.sleep(args.up_seconds)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    connection.close()
    stored = list(
        LearningEvent.objects.filter(
            object_type="faults", object_id__startswith=f"{run}-"
        ).values_list("object_id", flat=True)
    )
    stored_set = set(stored)
    losses = sum(1 for k in acknowledged if k not in stored_set)
    duplicates = len(stored) - len(stored_set)
    print(
        f"trials={args.trials} failures={failures} losses={losses} duplicates={duplicates} "
        f"acknowledged={len(acknowledged)} stored={len(stored)} writer_retries={errors['retries']}"
    )


if __name__ == "__main__":
    main()
