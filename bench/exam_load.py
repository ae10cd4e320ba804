"""Load test of an exam sitting: N candidates start, autosave every 10 s, then submit at once.

Starts everything itself on loopback: a fresh PostgreSQL database, gunicorn (production
settings, gthread workers) and a Celery worker on Redis for grading. Candidates are
asyncio/httpx clients with real sessions, CSRF and JSON saves; every acknowledged save
is compared with the database afterwards (no answer may be lost), and every submitted
attempt must end with exactly one Result. Prints p50/p95/p99 per phase and error counts,
with GET /healthz under the same server as the baseline.

    .venv/bin/python bench/exam_load.py [--candidates 300] [--duration 60] [--workers 3 --threads 4]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def environment(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "SECRET_KEY": "bench-" + "k" * 20 + secrets.token_hex(20),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.broker_db}",
        "CELERY_RESULT_BACKEND": "",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.broker_db + 8}",
        "DATABASE_CONN_MAX_AGE": "60",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        "DJANGO_LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    })
    return env


def prepare_database(args, env) -> None:
    if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists():
        # Production settings serve hashed static names from the manifest.
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    if args.reuse_db:
        return
    for sql in (f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)", f"CREATE DATABASE {args.database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    t = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    print(f"migrated in {time.perf_counter() - t:.1f} s")


def seed(args, env) -> dict:
    """Create the candidates, the bank, the session, the prepared papers and sessions."""
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Role, RoleAssignment, Unit, User
    from exams import demo
    from exams.models import ExamSession
    from exams.services import session_prepare_attempts

    unit = Unit.objects.filter(code="BENCH").first() or Unit.add_root(code="BENCH", name="压测单位")
    users = []
    for i in range(args.candidates):
        user, created = User.objects.get_or_create(username=f"bench{i:04d}", defaults={
            "full_name": f"压测民警{i}", "unit": unit, "police_number": f"9{i:05d}"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            RoleAssignment.objects.create(user=user, role=Role.OFFICER)
        users.append(user)
    demo._seed_questions(None)
    blueprint = demo._blueprint("压测组卷", [(None, "single", 20, "2"), (None, "multiple", 10, "3"),
                                         (None, "truefalse", 10, "1")])
    now = timezone.now()
    session = ExamSession.objects.create(title=f"压测考试 {now:%H%M%S}", blueprint=blueprint,
                                         opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2),
                                         time_limit_minutes=60, attempts_allowed=1)
    session.audience_people.set(users)
    t = time.perf_counter()
    prepared = session_prepare_attempts(session=session)
    prepare_seconds = time.perf_counter() - t
    print(f"prepared {prepared} papers ahead of the window in {prepare_seconds:.1f} s "
          f"({1000 * prepare_seconds / max(prepared, 1):.1f} ms each)")
    cookies = {}
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies[user.pk] = store.session_key
    return {"session_id": session.pk, "users": [u.pk for u in users], "sessions": cookies,
            "session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME}


def start_servers(args, env) -> list[subprocess.Popen]:
    log = open(ROOT / "var" / "bench-exam-gunicorn.log", "w")  # noqa: SIM115
    gunicorn = subprocess.Popen(
        [PY, "-m", "gunicorn", "config.wsgi", "--chdir", str(ROOT / "platform"), "-b", f"127.0.0.1:{args.port}",
         "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads), "--backlog", "2048",
         "--timeout", "60", "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    worker_log = open(ROOT / "var" / "bench-exam-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip",
         "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"],
        cwd=ROOT / "platform", env=env, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
    return [gunicorn, worker]


def stop_servers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def record(self, phase: str, seconds: float, ok: bool, why: str = "") -> None:
        self.latency[phase].append(seconds * 1000)
        if not ok:
            self.errors[phase][why] += 1


async def run_load(args, info) -> tuple[Stats, dict[int, dict], dict[int, int]]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    base = f"http://127.0.0.1:{args.port}"
    stats = Stats()
    limits = httpx.Limits(max_connections=args.candidates + 50, max_keepalive_connections=args.candidates + 50)
    headers = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{args.port}/"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (await client.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not come up; see var/bench-exam-gunicorn.log")
            await asyncio.sleep(0.5)
        # Baseline: the cheapest request the same server answers.
        sem = asyncio.Semaphore(10)

        async def health() -> None:
            async with sem:
                t = time.perf_counter()
                r = await client.get("/healthz")
                stats.record("baseline /healthz", time.perf_counter() - t, r.status_code == 200, str(r.status_code))

        for _ in range(50):  # warm every worker thread up first
            await client.get("/healthz")
        await asyncio.gather(*(health() for _ in range(400)))

        acked: dict[int, dict] = {}
        attempt_ids: dict[int, int] = {}
        submit_gate = asyncio.Event()

        async def candidate(uid: int) -> None:
            csrf = secrets.token_hex(16)
            cookie = f"{info['session_cookie']}={info['sessions'][uid]}; {info['csrf_cookie']}={csrf}"
            h = {"Cookie": cookie, "X-CSRFToken": csrf}
            await asyncio.sleep(random.uniform(0, args.ramp))
            t = time.perf_counter()
            try:
                r = await client.post(f"/exams/s/{info['session_id']}/", headers=h,
                                      data={"csrfmiddlewaretoken": csrf})
            except httpx.HTTPError as e:
                stats.record("start", time.perf_counter() - t, False, type(e).__name__)
                return
            location = r.headers.get("location", "")
            ok = r.status_code == 302 and "/exams/a/" in location
            stats.record("start", time.perf_counter() - t, ok, f"{r.status_code} {location[:40]}")
            if not ok:
                return
            attempt = int(location.rstrip("/").split("/")[-1])
            attempt_ids[uid] = attempt
            t = time.perf_counter()
            try:
                page = await client.get(location, headers=h)
                stats.record("attempt page", time.perf_counter() - t, page.status_code == 200, str(page.status_code))
            except httpx.HTTPError as e:
                stats.record("attempt page", time.perf_counter() - t, False, type(e).__name__)
            orders = list(range(1, 41))
            mine: dict[str, list[str]] = {}
            seq = 0
            stop_at = time.monotonic() + args.duration
            await asyncio.sleep(random.uniform(0, args.interval))
            while time.monotonic() < stop_at:
                changes = {}
                for order in random.sample(orders, 3):
                    if order <= 20:
                        value = [random.choice("ABCD")]
                    elif order <= 30:
                        value = sorted(random.sample("ABCDE", random.randint(2, 3)))
                    else:
                        value = [random.choice("AB")]
                    changes[str(order)] = value
                seq += 1
                t = time.perf_counter()
                try:
                    r = await client.post(f"/exams/a/{attempt}/save", headers={**h, "Content-Type": "application/json"},
                                          content=json.dumps({"seq": seq, "answers": changes}))
                    ok = r.status_code == 200
                    why = "" if ok else f"{r.status_code} {r.text[:80]}"
                except httpx.HTTPError as e:
                    ok, why = False, type(e).__name__
                stats.record("autosave", time.perf_counter() - t, ok, why)
                if ok:
                    mine.update(changes)
                await asyncio.sleep(args.interval)
            acked[uid] = mine
            await submit_gate.wait()
            t = time.perf_counter()
            try:
                r = await client.post(f"/exams/a/{attempt}/submit", headers={**h, "Accept": "application/json"})
                stats.record("submit (burst)", time.perf_counter() - t, r.status_code == 200, str(r.status_code))
            except httpx.HTTPError as e:
                stats.record("submit (burst)", time.perf_counter() - t, False, type(e).__name__)

        tasks = [asyncio.create_task(candidate(uid)) for uid in info["users"]]
        t0 = time.perf_counter()
        await asyncio.sleep(args.ramp + args.duration + args.interval + 2)
        print(f"autosave phase over after {time.perf_counter() - t0:.0f} s; submit burst of {len(attempt_ids)}")
        submit_gate.set()
        await asyncio.gather(*tasks)
    return stats, acked, attempt_ids


def verify(acked: dict[int, dict], attempt_ids: dict[int, int]) -> tuple[int, int, int, int]:
    """Compare every acknowledged answer with the database; count Results per attempt."""
    from exams.models import AttemptQuestion, Result
    from exams.services import keys_to_display

    checked = lost = 0
    for uid, answers in acked.items():
        slots = {s.order: s for s in AttemptQuestion.objects.filter(attempt_id=attempt_ids[uid])}
        for order, letters in answers.items():
            checked += 1
            slot = slots[int(order)]
            if keys_to_display(slot.option_order, slot.response) != sorted(letters):
                lost += 1
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        results = Result.objects.filter(attempt_id__in=attempt_ids.values()).count()
        if results >= len(attempt_ids):
            break
        time.sleep(1)
    results = Result.objects.filter(attempt_id__in=attempt_ids.values()).count()
    duplicates = len(attempt_ids) - len(set(Result.objects.filter(attempt_id__in=attempt_ids.values())
                                            .values_list("attempt_id", flat=True)))
    return checked, lost, results, max(0, results - len(attempt_ids)) + max(0, -duplicates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--duration", type=float, default=60, help="seconds of autosaving per candidate")
    parser.add_argument("--interval", type=float, default=10, help="seconds between a candidate's saves")
    parser.add_argument("--ramp", type=float, default=30, help="start times spread over this many seconds")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="h_exams_bench")
    parser.add_argument("--broker-db", type=int, default=5)
    parser.add_argument("--reuse-db", action="store_true")
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    env = environment(args)
    prepare_database(args, env)
    info = seed(args, env)
    procs = start_servers(args, env)
    try:
        try:
            stats, acked, attempt_ids = asyncio.run(run_load(args, info))
        finally:
            stop_servers([procs[0]])
        # The worker keeps grading while the answers are checked.
        checked, lost, results, extra = verify(acked, attempt_ids)
    finally:
        stop_servers(procs)
    base95 = percentile(stats.latency["baseline /healthz"], 95)
    print(f"\n{args.candidates} candidates, saves every {args.interval:g} s for {args.duration:g} s, "
          f"gunicorn gthread {args.workers}×{args.threads}, PostgreSQL, Celery worker on Redis")
    print(f"{'phase':<20}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'×base p95':>11}{'errors':>8}")
    for phase, values in stats.latency.items():
        p95 = percentile(values, 95)
        errors = sum(stats.errors[phase].values())
        print(f"{phase:<20}{len(values):>7}{percentile(values, 50):>9.1f}{p95:>9.1f}{percentile(values, 99):>9.1f}"
              f"{max(values):>9.1f}{p95 / base95:>11.1f}{errors:>8}")
        for why, n in stats.errors[phase].items():
            print(f"    {n} × {why}")
    print(f"acknowledged answers checked against the database: {checked}, lost: {lost}")
    print(f"results: {results} for {len(attempt_ids)} submitted attempts (extra: {extra})")
    save95 = percentile(stats.latency["autosave"], 95)
    submit95 = percentile(stats.latency["submit (burst)"], 95)
    total_errors = sum(sum(e.values()) for e in stats.errors.values())
    verdict = save95 <= 150 and submit95 <= 500 and lost == 0 and total_errors == 0 and results == len(attempt_ids)
    print(f"targets (p95 autosave ≤ 150 ms, p95 submit ≤ 500 ms, no errors, nothing lost): "
          f"{'MET' if verdict else 'NOT MET'}")


if __name__ == "__main__":
    main()
