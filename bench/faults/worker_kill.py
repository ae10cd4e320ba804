"""kill -9 the Celery worker mid-run, over and over, and count what was lost.

    .venv/bin/python bench/faults/worker_kill.py --broker redis --kills 20 --tasks 400
    .venv/bin/python bench/faults/worker_kill.py --broker rabbitmq --kills 20 --tasks 400
    .venv/bin/python bench/faults/worker_kill.py --broker redis --workload exam_grading --kills 20 --tasks 200
    .venv/bin/python bench/faults/worker_kill.py --broker redis --workload search_indexing --kills 20 --tasks 200

One run enqueues --tasks idempotent tasks, then repeats --kills times: start a worker
(prefork, acks_late, prefetch 1), let it work until a few more effects land, kill -9 its
whole process group. A last worker drains the queue. Every task's effect must exist exactly
once: trials = kills; failures = kills after which the run did not finish; losses =
missing effects; duplicates = effects that exist more than once.
On Redis a message held by a killed worker returns after the visibility timeout
(FAULTS_VISIBILITY_TIMEOUT, 10 s here; keep production's above the longest task).
"""

from __future__ import annotations

import argparse
import time
import uuid

from harness import (
    BROKERS,
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--broker", choices=sorted(BROKERS), default="redis")
    parser.add_argument("--workload", default="credit_hours", choices=sorted(WORKLOADS))
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--drain-timeout", type=float, default=60)
    args = parser.parse_args()

    queue = f"faults-kill-{uuid.uuid4().hex[:6]}"
    setup_django(args.database_url, BROKERS[args.broker], queue)
    w = WORKLOADS[args.workload]
    jobs = prepare(w, args.tasks)
    sent, failed = submit_all(w, jobs)
    print(
        f"broker={args.broker} workload={w.name} tasks={args.tasks} sent={sent} send_failures={failed}"
    )

    kills = 0
    started = time.monotonic()
    for trial in range(args.kills):
        before = sum(w.effects().values())
        if before >= args.tasks:
            print(f"  queue drained after {trial} kills; stopping early")
            break
        worker = Worker(queue)
        worker.start()
        # Kill once the worker has made some progress (it is then mid-run: prefetch 1 and
        # acks_late mean one message per pool process is held unacknowledged).
        step = max(2, args.tasks // (args.kills * 2))
        target = min(args.tasks, before + step)
        wait_for(
            lambda target=target: sum(w.effects().values()) >= target,
            timeout=60,
            step=0.05,
        )
        worker.kill9()
        kills += 1
        print(f"  kill {kills}: effects {before} -> {sum(w.effects().values())}")
    worker = Worker(queue)
    worker.start()
    done = wait_for(
        lambda: len(w.effects()) >= len(w.expected()),
        timeout=args.drain_timeout,
        step=0.5,
    )
    swept = 0
    if not done:
        # The database-driven sweeper: what a lost message left behind is re-queued from
        # the rows (Redis can drop a message popped by a worker killed before it recorded
        # it as unacknowledged; RabbitMQ should never need this).
        swept = requeue_missing(w, jobs)
        done = wait_for(
            lambda: len(w.effects()) >= len(w.expected()),
            timeout=args.drain_timeout,
            step=0.5,
        )
    time.sleep(2)  # let any redelivered duplicate land before counting
    worker.stop()
    once, duplicated, missing = verdict(w)
    print(f"broker_lost_messages_requeued_by_sweeper={swept}")
    print(
        f"trials={kills} failures={0 if done else 1} losses={missing} duplicates={duplicated} "
        f"exactly_once={once}/{args.tasks} seconds={time.monotonic() - started:.0f}"
    )


if __name__ == "__main__":
    main()
