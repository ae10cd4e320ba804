"""Restart the broker during a burst of submits: no submit may fail, nothing may be lost.

    .venv/bin/python bench/faults/broker_restart.py --restarts 20 --tasks 400
    .venv/bin/python bench/faults/broker_restart.py --workload exam_grading --restarts 20 --tasks 200
    .venv/bin/python bench/faults/broker_restart.py --broker rabbitmq --workload exam_grading --restarts 5 --tasks 100

Starts a private broker and a worker on it: Redis on port 6390 (append-only file fsynced on
every write, as a broker that must not lose queued work is configured) or a RabbitMQ node
of its own (hfaults@localhost, port 5679, durable queues; it takes ~30 s to start here).
A producer submits --tasks jobs while the broker is restarted --restarts times. A workload
that says how the application starts its work submits that way (exam_grading: the
candidate's submit through exams.services.attempt_submit; search_indexing: an editor's
publish); others publish the task with Celery's retry policy, as the web nodes do.
trials = restarts; failures = submits that raised (what a candidate would see as an
error); losses = effects missing at the end (after the database-driven sweeper, whose
re-queues are counted separately); duplicates = effects stored twice.
"""

from __future__ import annotations

import argparse
import os
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
    requeue_missing,
    setup_django,
    submit_all,
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
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.dir,
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"],
                    capture_output=True,
                    check=False,
                ).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RabbitMQ:
    """A RabbitMQ node of the run's own (its own name, ports, data and config)."""

    NODE = "hfaults@localhost"

    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="faults-rabbitmq-")
        for sub in ("mnesia", "log"):
            os.makedirs(os.path.join(self.dir, sub))
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as conf:
            conf.write(f"listeners.tcp.1 = 127.0.0.1:{port}\n")
        open(os.path.join(self.dir, "plugins"), "w").close()
        subprocess.run(
            ["chown", "-R", "rabbitmq:rabbitmq", self.dir], check=False
        )  # the server drops to it
        self.env = dict(
            os.environ,
            RABBITMQ_NODENAME=self.NODE,
            RABBITMQ_NODE_PORT=str(port),
            RABBITMQ_DIST_PORT=str(port + 20000),
            RABBITMQ_CONFIG_FILE=os.path.join(self.dir, "rabbitmq.conf"),
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.dir, "plugins"),
            RABBITMQ_FEATURE_FLAGS_FILE=os.path.join(self.dir, "feature_flags"),
            RABBITMQ_PID_FILE=os.path.join(self.dir, "pid"),
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["rabbitmq-server"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                "rabbitmqctl",
                "-n",
                self.NODE,
                "wait",
                self.env["RABBITMQ_PID_FILE"],
                "--timeout",
                "180",
            ],
            env=self.env,
            capture_output=True,
            check=False,
        )

    def stop(self) -> None:
        subprocess.run(
            ["rabbitmqctl", "-n", self.NODE, "stop"],
            env=self.env,
            capture_output=True,
            check=False,
        )
        if self.proc:
            self.proc.wait(timeout=60)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--port", type=int, default=6390)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--workload", default="credit_hours", choices=sorted(WORKLOADS))
    parser.add_argument("--broker", choices=("redis", "rabbitmq"), default="redis")
    parser.add_argument(
        "--pace",
        type=float,
        default=None,
        help="seconds between groups of 10 submits (default: 0.02 on Redis; on RabbitMQ "
        "spread over the restarts, which take ~30 s each here)",
    )
    args = parser.parse_args()

    if args.broker == "redis":
        broker = Redis(args.port)
        url = f"redis://127.0.0.1:{args.port}/0"
        pace = 0.02 if args.pace is None else args.pace
    else:
        broker = RabbitMQ(5679 if args.port == 6390 else args.port)
        url = broker.url
        pace = (
            (args.restarts * 35 / max(1, args.tasks / 10))
            if args.pace is None
            else args.pace
        )
    broker.start()
    queue = f"faults-restart-{uuid.uuid4().hex[:6]}"
    setup_django(args.database_url, url, queue)
    w = WORKLOADS[args.workload]
    jobs = prepare(w, args.tasks)
    worker = Worker(queue)
    worker.start()
    result: dict[str, int] = {}

    def produce() -> None:
        sent = failed = 0
        for i in range(
            0, len(jobs), 10
        ):  # a burst, in small groups like concurrent submits
            s, f = submit_all(w, jobs[i : i + 10])
            sent, failed = sent + s, failed + f
            time.sleep(pace)
        result.update(sent=sent, failed=failed)

    started = time.monotonic()
    producer = threading.Thread(target=produce)
    producer.start()
    crashes = 0

    def supervise() -> bool:
        """Restart the worker if it died, as systemd (Restart=always) or supervisord would;
        counted: a Celery worker on Redis can exit when the broker vanishes mid-ack."""
        nonlocal crashes, worker
        if worker.proc is not None and worker.proc.poll() is not None:
            crashes += 1
            worker = Worker(queue)
            worker.start()
        return False

    for n in range(args.restarts):
        time.sleep(0.3)
        broker.stop()
        time.sleep(0.3)
        broker.start()
        supervise()
        print(
            f"  restart {n + 1}: effects so far {sum(w.effects().values())}", flush=True
        )
    producer.join()
    done = wait_for(
        lambda: supervise() or len(w.effects()) >= len(w.expected()),
        timeout=90,
        step=0.5,
    )
    swept = 0
    if not done:
        swept = requeue_missing(w, jobs)
        done = wait_for(
            lambda: supervise() or len(w.effects()) >= len(w.expected()),
            timeout=90,
            step=0.5,
        )
    time.sleep(2)
    worker.stop()
    broker.cleanup()
    once, duplicated, lost = verdict(w)
    print(
        f"broker={args.broker} workload={w.name} sent={result.get('sent')} "
        f"broker_lost_messages_requeued_by_sweeper={swept} worker_crashes_restarted={crashes}"
    )
    print(
        f"trials={args.restarts} failures={result.get('failed')} losses={lost} duplicates={duplicated} "
        f"exactly_once={once}/{args.tasks} seconds={time.monotonic() - started:.0f}"
    )


if __name__ == "__main__":
    main()
