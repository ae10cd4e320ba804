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
    "rabbitmq": os.environ.get(
        "FAULTS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"
    ),
}


def setup_django(database_url: str, broker_url: str, queue: str) -> None:
    """Point this process at the fault database and broker, then migrate."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["FAULTS_QUEUE"] = queue
    # A search index of the run's own (the search_indexing workload counts its documents).
    os.environ["SEARCH_INDEX_DIR"] = str(ROOT / "var" / "faults-search" / queue)
    os.environ["DJANGO_SETTINGS_MODULE"] = "faults_settings"
    for path in (str(HERE), str(ROOT / "platform"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    _create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone():
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
        user, _ = User.objects.get_or_create(
            username="faults-credit", defaults={"full_name": "故障测试"}
        )
        self.user_id = user.pk
        return [
            (
                "records.credit_hours",
                {
                    "user_id": user.pk,
                    "hours": "0.5",
                    "category": "other",
                    "source_type": "faults",
                    "source_id": f"{self.run}-{i}",
                    "source_name": "故障测试",
                },
            )
            for i in range(n)
        ]

    def effects(self) -> Counter:
        from records.models import CreditEntry

        keys = CreditEntry.objects.filter(
            source_type="faults", source_id__startswith=f"{self.run}-"
        )
        return Counter(keys.values_list("source_id", flat=True))

    def expected(self) -> set:
        return (
            {f"{self.run}-{i}" for i in range(self.n)} if hasattr(self, "n") else set()
        )

    def key_of(self, kwargs: dict) -> str:
        return kwargs["source_id"]


@workload("exam_grading")
class ExamGradingWorkload:
    """exams.grade_attempt: every submitted attempt ends graded exactly once.

    ``prepare`` starts one attempt per candidate on a small objective paper and writes the
    right answers (so every candidate passes and earns the session's credit hours).
    ``submit`` submits through ``exams.services.attempt_submit`` (the path a candidate's
    request takes, which enqueues the grading after the commit). An attempt counts once
    when it holds one final Result and its candidate one exam credit entry; a second
    credit entry for a candidate counts as a duplicate."""

    def prepare(self, n: int) -> list[tuple[str, dict]]:
        from datetime import timedelta
        from decimal import Decimal

        from django.db.models import Count
        from django.utils import timezone

        from accounts.models import User
        from exams.models import (
            AttemptQuestion,
            Blueprint,
            BlueprintRow,
            ExamSession,
            QuestionType,
        )
        from exams.services import (
            attempt_start,
            category_get_or_create,
            question_create,
        )

        self.run = uuid.uuid4().hex[:8]
        category = category_get_or_create(subject="故障测试", topic=self.run)
        for i in range(4):
            question_create(
                category=category,
                qtype=QuestionType.SINGLE,
                difficulty=1 + i % 5,
                content={
                    "stem": f"故障测试题{i}",
                    "options": [{"key": k, "text": f"选项{k}"} for k in "ABCD"],
                    "answer": ["B"],
                    "analysis": "故障测试",
                },
            )
        blueprint = Blueprint.objects.create(name=f"故障测试-{self.run}")
        BlueprintRow.objects.create(
            blueprint=blueprint,
            category=category,
            qtype=QuestionType.SINGLE,
            count=3,
            points=Decimal(10),
            sort_order=0,
        )
        now = timezone.now()
        self.session = ExamSession.objects.create(
            blueprint=blueprint,
            title=f"故障测试考试 {self.run}",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=6),
            time_limit_minutes=300,
            credit_hours=Decimal("1.0"),
        )
        users = User.objects.bulk_create(
            [
                User(username=f"faults-exam-{self.run}-{i}", full_name="故障测试考生")
                for i in range(n)
            ]
        )
        users = list(
            User.objects.filter(
                username__startswith=f"faults-exam-{self.run}-"
            ).order_by("pk")
        )
        self.session.audience_people.set(users)
        self.attempts = []
        for user in users:
            attempt = attempt_start(session=self.session, user=user)
            self.attempts.append(attempt)
        slots = list(
            AttemptQuestion.objects.filter(
                attempt__session=self.session
            ).select_related("version")
        )
        for slot in slots:
            slot.response = list(slot.version.answer)
        AttemptQuestion.objects.bulk_update(slots, ["response"])
        if (
            AttemptQuestion.objects.filter(attempt__session=self.session)
            .values("attempt")
            .annotate(c=Count("pk"))
            .exclude(c=3)
            .exists()
        ):
            raise RuntimeError("an attempt was drawn without its three questions")
        return [("exams.grade_attempt", {"attempt_id": a.pk}) for a in self.attempts]

    def submit(self, jobs: list[tuple[str, dict]]) -> tuple[int, int]:
        """Submit each attempt as the candidate's request does; return (ok, failed)."""
        from exams.models import Attempt
        from exams.services import attempt_submit

        ok = failed = 0
        for _name, kwargs in jobs:
            try:
                attempt_submit(attempt=Attempt.objects.get(pk=kwargs["attempt_id"]))
                ok += 1
            except Exception:  # noqa: BLE001 - a submit that fails for the candidate is counted
                failed += 1
        return ok, failed

    def sweeper(self) -> int:
        """The app's own database-driven sweeper (exams.services.ungraded_sweep, run by
        beat), without its waiting period; older code without it: re-queue from the rows."""
        from exams import services
        from exams.models import Attempt, AttemptStatus
        from exams.tasks import grade_attempt

        if hasattr(services, "ungraded_sweep"):
            return services.ungraded_sweep(older_than=0)
        stale = list(
            Attempt.objects.filter(
                session=self.session,
                status=AttemptStatus.SUBMITTED,
                result__isnull=True,
            ).values_list("pk", flat=True)
        )
        for pk in stale:
            grade_attempt.delay(pk)
        return len(stale)

    def effects(self) -> Counter:
        from exams.models import Result
        from records.models import CreditEntry

        graded = Counter(
            Result.objects.filter(
                attempt__session=self.session, final=True
            ).values_list("attempt_id", flat=True)
        )
        credits = Counter(
            CreditEntry.objects.filter(
                source_type="exam", source_id=str(self.session.pk)
            ).values_list("user_id", flat=True)
        )
        user_of = {a.pk: a.user_id for a in self.attempts}
        return Counter(
            {pk: max(n, credits.get(user_of[pk], 0)) for pk, n in graded.items()}
        )

    def expected(self) -> set:
        return {a.pk for a in getattr(self, "attempts", [])}

    def key_of(self, kwargs: dict) -> int:
        return kwargs["attempt_id"]


@workload("search_indexing")
class SearchIndexingWorkload:
    """search.index_object: every published case page ends indexed (in the search
    backend, with its mark cleared) exactly once.

    ``prepare`` creates draft case pages without enqueuing anything; ``submit`` publishes
    them (Wagtail's publish: the search app's signal marks each page dirty and enqueues
    its index task after the commit). The index lives in a directory of the run's own."""

    def prepare(self, n: int) -> list[tuple[str, dict]]:
        from unittest import mock

        from wagtail.models import Page

        from casebank.models import CaseIndexPage, CasePage
        from search.models import IndexState

        self.run = uuid.uuid4().hex[:8]
        # Marks an earlier, interrupted run left dirty would be swept into this run's
        # private index and counted as extra documents: start from a clean slate.
        IndexState.objects.filter(dirty=True).delete()
        index_page = CaseIndexPage.objects.first()
        if index_page is None:
            root = Page.objects.get(depth=1).get_children().first() or Page.objects.get(
                depth=1
            )
            index_page = root.add_child(
                instance=CaseIndexPage(title="典型案例", slug="cases")
            )
        self.pages = []
        with mock.patch(
            "search.services._enqueue_once"
        ):  # drafts: nothing to index yet
            for i in range(n):
                page = CasePage(
                    title=f"故障测试案例 {self.run} {i}",
                    slug=f"faults-{self.run}-{i}",
                    live=False,
                    summary=f"故障测试 {self.run} 第{i}件",
                    visibility="public",
                )
                index_page.add_child(instance=page)
                self.pages.append(page.pk)
        return [
            (
                "search.index_object",
                {
                    "app_label": "casebank",
                    "model_name": "casepage",
                    "object_id": str(pk),
                },
            )
            for pk in self.pages
        ]

    def submit(self, jobs: list[tuple[str, dict]]) -> tuple[int, int]:
        """Publish each page as an editor does; return (ok, failed)."""
        from casebank.models import CasePage

        ok = failed = 0
        for _name, kwargs in jobs:
            try:
                CasePage.objects.get(pk=kwargs["object_id"]).save_revision().publish()
                ok += 1
            except Exception:  # noqa: BLE001 - a publish that fails for the editor is counted
                failed += 1
        return ok, failed

    def sweeper(self) -> int:
        """The app's own database-driven sweeper (search.services.index_sweep)."""
        from search.services import index_sweep

        return index_sweep(older_than_seconds=0)

    def effects(self) -> Counter:
        from search.backends import get_search_backend
        from search.models import IndexState

        backend = get_search_backend()
        clean = set(
            IndexState.objects.filter(
                app_label="casebank",
                model_name="casepage",
                object_id__in=[str(pk) for pk in self.pages],
                dirty=False,
            ).values_list("object_id", flat=True)
        )
        found = Counter()
        for pk in self.pages:
            doc = backend.get("case", str(pk)) if str(pk) in clean else None
            if doc is not None:
                found[pk] = 1
        # The index holds only this run's pages (a directory of its own): more documents
        # than distinct pages found would be a duplicate.
        extra = backend.count("case") - len(found) if found else 0
        if extra > 0:
            found["extra-index-documents"] = 1 + extra
        return found

    def expected(self) -> set:
        return set(getattr(self, "pages", []))

    def key_of(self, kwargs: dict) -> int:
        return int(kwargs["object_id"])


def submit_all(w: Workload, jobs: list[tuple[str, dict]]) -> tuple[int, int]:
    """Start the work the way the application does when the workload says how (a
    candidate's submit, an editor's publish); otherwise publish the tasks directly."""
    inst = w.prepare.__self__  # type: ignore[attr-defined]
    if hasattr(inst, "submit"):
        return inst.submit(jobs)
    return send_all(jobs)


def requeue_missing(w: Workload, jobs: list[tuple[str, dict]]) -> int:
    """The database-driven sweeper: the workload's own when it has one, else re-publish
    the jobs whose effect is missing. Return how many were re-queued."""
    inst = w.prepare.__self__  # type: ignore[attr-defined]
    if hasattr(inst, "sweeper"):
        return inst.sweeper()
    missing = sweep(w, jobs)
    send_all(missing)
    return len(missing)


def prepare(w: Workload, n: int) -> list[tuple[str, dict]]:
    jobs = w.prepare(n)
    # the instance behind the bound methods remembers n for expected()
    w.prepare.__self__.n = n  # type: ignore[attr-defined]
    return jobs


class Worker:
    """``celery worker`` in a subprocess (its own process group, so kill -9 takes the
    pool children too)."""

    def __init__(
        self, queue: str, *, concurrency: int = 2, log: Path | None = None
    ) -> None:
        self.queue = queue
        self.concurrency = concurrency
        self.log_path = log or ROOT / "var" / f"faults-worker-{queue}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(HERE), str(ROOT / "platform"), str(ROOT)]
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT / "platform",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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
                app.send_task(
                    name,
                    kwargs=kwargs,
                    producer=producer,
                    retry=retry,
                    retry_policy={
                        "max_retries": 30,
                        "interval_start": 0.2,
                        "interval_step": 0.5,
                        "interval_max": 2,
                    },
                )
                sent += 1
            except Exception:  # noqa: BLE001 - counted and reported as a failed submit
                failed += 1
    return sent, failed


def sweep(w: Workload, jobs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Return the jobs whose effect is missing (the sweeper re-queues them)."""
    have = w.effects()
    keys = sorted(w.expected())
    return (
        [
            job
            for key, job in zip(keys_in_order(w, jobs), jobs, strict=True)
            if key not in have
        ]
        if keys
        else []
    )


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
