"""Shared machinery for the fault scripts: a PostgreSQL database of their own, a real
Celery worker in a subprocess, and workloads whose effects can be counted.

A workload is registered with ``@workload("name")`` and provides:
  prepare(n) -> list of (task name, kwargs)   create the rows the tasks work on
  effects() -> Counter {key: times the effect exists}   what the database holds
  expected() -> set of keys                   every key that must exist exactly once
New ones (exam grading, search indexing) plug in by adding a function here or in a
module imported by ``--workload-module``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/h_hardening"
BROKERS = {
    "redis": os.environ.get("FAULTS_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "rabbitmq": os.environ.get("FAULTS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


def setup_django(database_url: str, broker_url: str, queue: str) -> None:
    """Point this process at the fault database and broker, then migrate."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["FAULTS_QUEUE"] = queue
    os.environ["DJANGO_SETTINGS_MODULE"] = "faults_settings"
    for path in (str(HERE), str(ROOT / "platform"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    _create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Workload:
    name: str
    prepare: Callable[[int], list[tuple[str, dict]]]
    effects: Callable[[], Counter]
    expected: Callable[[], set]


WORKLOADS: dict[str, Workload] = {}


def workload(name: str):
    def register(cls):
        inst = cls()
        WORKLOADS[name] = Workload(name, inst.prepare, inst.effects, inst.expected)
        return cls

    return register


@workload("credit_hours")
class CreditHoursWorkload:
    """records.credit_hours: one credit entry per (person, source), however often delivered."""

    def prepare(self, n: int) -> list[tuple[str, dict]]:
        from accounts.models import User

        self.run = uuid.uuid4().hex[:8]
        user, _ = User.objects.get_or_create(username="faults-credit", defaults={"full_name": "故障测试"})
        self.user_id = user.pk
        return [
            ("records.credit_hours", {"user_id": user.pk, "hours": "0.5", "category": "other",
                                      "source_type": "faults", "source_id": f"{self.run}-{i}",
                                      "source_name": "故障测试"})
            for i in range(n)
        ]

    def effects(self) -> Counter:
        from records.models import CreditEntry

        keys = CreditEntry.objects.filter(source_type="faults", source_id__startswith=f"{self.run}-")
        return Counter(keys.values_list("source_id", flat=True))

    def expected(self) -> set:
        return {f"{self.run}-{i}" for i in range(self.n)} if hasattr(self, "n") else set()

    def key_of(self, kwargs: dict) -> str:
        return kwargs["source_id"]


def prepare(w: Workload, n: int) -> list[tuple[str, dict]]:
    jobs = w.prepare(n)
    # the instance behind the bound methods remembers n for expected()
    w.prepare.__self__.n = n  # type: ignore[attr-defined]
    return jobs


class Worker:
    """``celery worker`` in a subprocess (its own process group, so kill -9 takes the
    pool children too)."""

    def __init__(self, queue: str, *, concurrency: int = 2, log: Path | None = None) -> None:
        self.queue = queue
        self.concurrency = concurrency
        self.log_path = log or ROOT / "var" / f"faults-worker-{queue}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT / "platform"), str(ROOT)])
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue, "--pool=prefork",
             f"--concurrency={self.concurrency}", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=WARNING", "-n", f"{self.queue}-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT / "platform", env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


def send_all(jobs: list[tuple[str, dict]], *, retry: bool = True) -> tuple[int, int]:
    """Publish every job; return (sent, failed). Publishing retries through broker
    outages (Celery's retry policy), as a web request would."""
    from config.celery import app

    sent = failed = 0
    with app.producer_or_acquire() as producer:
        for name, kwargs in jobs:
            try:
                app.send_task(name, kwargs=kwargs, producer=producer, retry=retry,
                              retry_policy={"max_retries": 30, "interval_start": 0.2, "interval_step": 0.5,
                                            "interval_max": 2})
                sent += 1
            except Exception:  # noqa: BLE001 - counted and reported as a failed submit
                failed += 1
    return sent, failed


def sweep(w: Workload, jobs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Return the jobs whose effect is missing (the sweeper re-queues them)."""
    have = w.effects()
    keys = sorted(w.expected())
    return [job for key, job in zip(keys_in_order(w, jobs), jobs, strict=True) if key not in have] if keys else []


def keys_in_order(w: Workload, jobs: list[tuple[str, dict]]) -> list:
    """The effect key of each job, in order (workloads name it by ``key_of``)."""
    inst = w.prepare.__self__  # type: ignore[attr-defined]
    return [inst.key_of(kwargs) for _, kwargs in jobs]


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def verdict(w: Workload) -> tuple[int, int, int]:
    """Return (done exactly once, duplicated, missing)."""
    from django.db import connection

    connection.close()  # a fresh connection after faults
    effects = w.effects()
    expected = w.expected()
    once = sum(1 for k in expected if effects.get(k) == 1)
    duplicated = sum(1 for k, v in effects.items() if v > 1)
    missing = sum(1 for k in expected if k not in effects)
    return once, duplicated, missing
