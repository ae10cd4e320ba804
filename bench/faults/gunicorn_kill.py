"""kill -9 a gunicorn worker mid-request while clients retry: every request must end
answered, none with a 5xx, and (for writes) the effect must exist exactly once.

    .venv/bin/python bench/faults/gunicorn_kill.py --kills 20 --url /healthz
    .venv/bin/python bench/faults/gunicorn_kill.py --kills 20 --url /api/v1/me --token <bearer>

The client retries a request whose connection dropped (as the exam page's submit does, with
the same idempotency key in ``Idempotency-Key``), up to 10 times. trials = worker kills;
failures = requests that never got an answer or got a 5xx; losses = requests given up.
Write endpoints plug in with --method POST and a workload check in harness.py (the exam
submit will: one submission per attempt however often the request is replayed).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from load_browse import start_gunicorn  # noqa: E402


def workers_of(master: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--url", default="/healthz")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--token", default="")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/h_hardening"
    )
    args = parser.parse_args()

    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    )
    env.pop("CELERY_BROKER_URL", None)
    master = start_gunicorn(args.port, 3, env)
    base = f"http://127.0.0.1:{args.port}"
    stop = threading.Event()
    counts = {"requests": 0, "answered": 0, "retries": 0, "5xx": 0, "given_up": 0}
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}

    def client() -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set():
                key = uuid.uuid4().hex
                for _attempt in range(10):
                    try:
                        response = http.request(
                            args.method,
                            args.url,
                            headers={**headers, "Idempotency-Key": key},
                        )
                    except httpx.TransportError:
                        with lock:
                            counts["retries"] += 1
                        time.sleep(0.1)
                        continue
                    with lock:
                        counts["requests"] += 1
                        counts["answered"] += 1
                        counts["5xx"] += int(response.status_code >= 500)
                    break
                else:
                    with lock:
                        counts["requests"] += 1
                        counts["given_up"] += 1

    threads = [
        threading.Thread(target=client, daemon=True) for _ in range(args.clients)
    ]
    for t in threads:
        t.start()
    kills = 0
    try:
        for _ in range(args.kills):
            time.sleep(0.5)
            pids = workers_of(master.pid)
            if pids:
                os.kill(random.choice(pids), signal.SIGKILL)
                kills += 1
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        master.terminate()
        master.wait(timeout=30)
    print(
        f"requests={counts['requests']} answered={counts['answered']} client_retries={counts['retries']}"
    )
    print(
        f"trials={kills} failures={counts['5xx'] + counts['given_up']} losses={counts['given_up']} "
        f"server_errors={counts['5xx']}"
    )


if __name__ == "__main__":
    main()
