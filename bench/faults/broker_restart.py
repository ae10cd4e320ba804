"""Restart the broker during a burst of submits: no submit may fail, nothing may be lost.

    .venv/bin/python bench/faults/broker_restart.py --restarts 20 --tasks 400

Starts a private Redis broker (port 6390, append-only file fsynced on every write, as a
broker that must not lose queued work is configured) and a worker on it. A producer
publishes --tasks tasks (Celery's publish retry policy, as the web nodes do) while the
broker is restarted --restarts times. trials = restarts; failures = submits that raised;
losses = effects missing at the end (after the database-driven sweeper, whose re-queues are
counted separately); duplicates = effects stored twice.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

from harness import (
    DEFAULT_DB,
    WORKLOADS,
    Worker,
    prepare,
    send_all,
    setup_django,
    sweep,
    verdict,
    wait_for,
)


class Redis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              check=False).stdout.strip() == b"PONG":
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--port", type=int, default=6390)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--workload", default="credit_hours")
    args = parser.parse_args()

    redis = Redis(args.port)
    redis.start()
    queue = f"faults-restart-{uuid.uuid4().hex[:6]}"
    setup_django(args.database_url, f"redis://127.0.0.1:{args.port}/0", queue)
    w = WORKLOADS[args.workload]
    jobs = prepare(w, args.tasks)
    worker = Worker(queue)
    worker.start()
    result: dict[str, int] = {}

    def produce() -> None:
        sent = failed = 0
        for i in range(0, len(jobs), 10):  # a burst, in small groups like concurrent submits
            s, f = send_all(jobs[i:i + 10])
            sent, failed = sent + s, failed + f
            time.sleep(0.02)
        result.update(sent=sent, failed=failed)

    started = time.monotonic()
    producer = threading.Thread(target=produce)
    producer.start()
    for n in range(args.restarts):
        time.sleep(0.3)
        redis.stop()
        time.sleep(0.3)
        redis.start()
        print(f"  restart {n + 1}: effects so far {sum(w.effects().values())}", flush=True)
    producer.join()
    done = wait_for(lambda: len(w.effects()) >= len(w.expected()), timeout=90, step=0.5)
    swept = 0
    if not done:
        missing = sweep(w, jobs)
        swept = len(missing)
        send_all(missing)
        done = wait_for(lambda: len(w.effects()) >= len(w.expected()), timeout=90, step=0.5)
    time.sleep(2)
    worker.stop()
    redis.cleanup()
    once, duplicated, lost = verdict(w)
    print(f"sent={result.get('sent')} broker_lost_messages_requeued_by_sweeper={swept}")
    print(f"trials={args.restarts} failures={result.get('failed')} losses={lost} duplicates={duplicated} "
          f"exactly_once={once}/{args.tasks} seconds={time.monotonic() - started:.0f}")


if __name__ == "__main__":
    main()
