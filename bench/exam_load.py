"""Load test of an exam sitting on gunicorn + PostgreSQL + a Celery worker on Redis.

Three sittings per run, each with N candidates:

* deadline sitting: N candidates start (spread over --ramp s), autosave every --interval s
  for --duration s, then keep saving until they submit at a random moment within the
  final --deadline-window s (how a real sitting ends: most people submit near the end);
* time-up sitting: N candidates start together, so their clocks run out at the same
  moment; each page then submits after a random wait of up to the page's spread
  (``EXAMS_DEADLINE_SUBMIT_SPREAD_SECONDS``), as take.js does (the bench does not wait out
  the time limit: it sends the submits as the pages would when it ends);
* simultaneous sitting: N candidates start, save once, and all submit within ~1 s
  (the worst case: everyone presses "submit" together when told to).

Candidates are asyncio/httpx clients that sign in with a password (the sign-in page, then
the form: inside each sitting's start ramp, or over --sign-in-before seconds before it),
with CSRF and JSON saves; every
acknowledged save is compared with the database afterwards (no answer may be lost), and
every submitted attempt must end with exactly one Result. Prints p50/p95/p99 per phase,
error counts, GET /healthz under the same server as the baseline, the server CPU per
submit (gunicorn processes, /proc), and where the cores went during the simultaneous
burst (web, grading worker, load client). Before the load, two before/after figures in
the same process (in-process, Django test client, PostgreSQL), with their ratios: CPU per
submit request of the current code against the submit of LEGACY_REF (loaded from git),
and CPU per attempt page with the paper read from the cache against rendered for the
request. The grading worker runs at nice --worker-nice (10), as docs/deployment.md
advises for a worker on a web machine.

    .venv/bin/python bench/exam_load.py                       # 300 candidates, three sittings
    .venv/bin/python bench/exam_load.py --find-max            # largest N meeting the targets
    .venv/bin/python bench/exam_load.py --cpu-only            # only the CPU per request, before/after
    .venv/bin/python bench/exam_load.py --ramp 15 --sizes 300,500,600 --compare-ref REF
        # one run at each size, then the same against a worktree of REF, side by side

Before the load it also prints the CPU and SQL queries of every request of one candidate's
sitting (sign-in to submit, in-process), which compare between commits even on a busy
machine (``--profile-step`` profiles one of them).

Targets: p95 autosave <= 150 ms, p95 submit <= 500 ms, no errors, nothing lost.
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
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
LEGACY_REF = (
    "1d114f8"  # the submit before it was made cheap (select_for_update + 2 publishes)
)
TARGET_SAVE_P95 = 150.0
TARGET_SUBMIT_P95 = 500.0
PASSWORD = "Bench@exam-2026"  # noqa: S105 - the bench candidates' password
QUESTIONS = 40  # 20 single, 10 multiple, 10 true/false (the bench blueprint below)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def environment(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
            "SECRET_KEY": "bench-" + "k" * 20 + secrets.token_hex(20),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.broker_db}",
            "CELERY_RESULT_BACKEND": "",
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
            "DATABASE_CONN_MAX_AGE": "60",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
            "DJANGO_LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
            "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
            "AUDIT_CHAIN_KEY_FILE": str(_bench_audit_key()),
        }
    )
    return env


def _bench_audit_key() -> Path:
    """Production settings need an audit chain key (audit.E001); the bench makes one."""
    path = ROOT / "var" / "bench-audit-chain.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path


def prepare_database(args, env) -> None:
    if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists():
        # Production settings serve hashed static names from the manifest.
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'",  # noqa: S608 - our own argument
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if args.reuse_db and exists:
        return
    for sql in (
        f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)",
        f"CREATE DATABASE {args.database}",
    ):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True
        )
    t = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(f"migrated in {time.perf_counter() - t:.1f} s")


def django_setup(env) -> None:
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    # Celery's Django fixup puts the working directory first on sys.path: make it the
    # code under test (--code), or another checkout's apps would be imported.
    os.chdir(ROOT)
    import django

    django.setup()


def seed_people(count: int) -> list:
    from django.contrib.auth.hashers import get_hasher, make_password

    from accounts.models import Role, RoleAssignment, Unit, User
    from exams import demo

    unit = Unit.objects.filter(code="BENCH").first() or Unit.add_root(
        code="BENCH", name="压测单位"
    )
    users = []
    for i in range(count):
        user, created = User.objects.get_or_create(
            username=f"bench{i:04d}",
            defaults={
                "full_name": f"压测民警{i}",
                "unit": unit,
                "police_number": f"9{i:05d}",
            },
        )
        if created:
            RoleAssignment.objects.create(user=user, role=Role.OFFICER)
        users.append(user)
    # The candidates sign in with a password (the hasher in use: Argon2id), hashed once
    # here for everyone (each hash would be as costly to check; the salt does not matter).
    if User.objects.filter(username__startswith="bench").exclude(
        password__startswith=f"{get_hasher().algorithm}$"
    ):
        User.objects.filter(username__startswith="bench").update(
            password=make_password(PASSWORD)
        )
        # Read again: a session's auth hash is made from the stored password.
        fresh = User.objects.in_bulk([u.pk for u in users])
        users = [fresh[u.pk] for u in users]
    demo._seed_questions(None)
    return users


def seed_session(users: list, label: str):
    """A session for ``users`` with their papers prepared ahead of the window."""
    from datetime import timedelta

    from django.utils import timezone

    from exams import demo
    from exams.models import ExamSession
    from exams.services import session_prepare_attempts

    blueprint = demo._blueprint(
        "压测组卷",
        [
            (None, "single", 20, "2"),
            (None, "multiple", 10, "3"),
            (None, "truefalse", 10, "1"),
        ],
    )
    now = timezone.now()
    session = ExamSession.objects.create(
        title=f"压测考试 {label} {now:%H%M%S}",
        blueprint=blueprint,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        time_limit_minutes=60,
        attempts_allowed=1,
    )
    session.audience_people.set(users)
    t = time.perf_counter()
    prepared = session_prepare_attempts(session=session)
    seconds = time.perf_counter() - t
    print(
        f"  {label}: prepared {prepared} papers ahead of the window in {seconds:.1f} s "
        f"({1000 * seconds / max(prepared, 1):.1f} ms each)",
        flush=True,
    )
    return session


# CPU per submit, before/after, in one process ------------------------------------------


def legacy_submit_urls():
    """A URLconf whose submit view and service are LEGACY_REF's (loaded from git), with
    the current URLs for everything else; None when git cannot show that commit."""
    import types

    def load(path: str, name: str):
        try:
            source = subprocess.run(
                ["git", "show", f"{LEGACY_REF}:{path}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        module = types.ModuleType(name)
        module.__package__ = name.rsplit(".", 1)[0]
        module.__file__ = str(ROOT / path)
        sys.modules[name] = module
        exec(compile(source, f"{LEGACY_REF}:{path}", "exec"), module.__dict__)  # noqa: S102 - our own history
        return module

    services = load("exams/services.py", "exams._legacy_services")
    views = load("exams/views/candidate.py", "exams.views._legacy_candidate")
    if services is None or views is None:
        return None
    views.services = services
    from django.urls import include, path

    urls = types.ModuleType("bench_legacy_urls")
    urls.urlpatterns = [
        path("legacy/a/<int:pk>/submit", views.attempt_submit),
        path("", include("config.urls")),
    ]
    sys.modules["bench_legacy_urls"] = urls
    return "bench_legacy_urls"


def cpu_per_submit(users: list, samples: int) -> dict[str, float]:
    """CPU (process time) and queries per submit request through the whole Django stack,
    for the current code and for LEGACY_REF's submit, alternating, same data and process.
    Grading tasks are published to the broker as in production (the worker is not
    running yet: the tasks wait, the publish cost is counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from exams.services import attempt_start

    legacy = legacy_submit_urls()
    session = seed_session(users[: samples * 2], "cpu")
    runs: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    clients = []
    for user in users[: samples * 2]:
        attempt = attempt_start(session=session, user=user)
        client = Client(
            HTTP_ACCEPT="application/json",
            HTTP_HOST="127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
        )
        client.force_login(user)
        clients.append((client, attempt.pk))
    with override_settings(
        ROOT_URLCONF=legacy or "config.urls"
    ):  # once: a change clears the URL caches
        for (
            client,
            _attempt,
        ) in clients:  # the session's first write (last seen) is not the submit's
            client.get("/exams/")
        for i, (client, attempt_id) in enumerate(clients):
            kind = "legacy" if (i % 2 and legacy) else "current"
            url = (
                f"/legacy/a/{attempt_id}/submit"
                if kind == "legacy"
                else f"/exams/a/{attempt_id}/submit"
            )
            with CaptureQueriesContext(connection) as q:
                t = time.process_time()
                response = client.post(url, HTTP_ACCEPT="application/json")
                runs[kind].append(1000 * (time.process_time() - t))
            queries[kind].append(len(q.captured_queries))
            if response.status_code != 200:
                raise SystemExit(
                    f"{kind} submit answered {response.status_code}: {response.content[:200]!r}"
                )
    print(
        f"\nCPU per submit request (in-process, PostgreSQL, Celery publish to Redis; {samples} each, "
        f"alternating):"
    )
    out = {}
    for kind in ("legacy", "current"):
        if runs[kind]:
            out[kind] = percentile(runs[kind], 50)
            label = f"{LEGACY_REF} (before)" if kind == "legacy" else "current (after)"
            print(
                f"  {label:<22} median {out[kind]:6.1f} ms CPU   mean {sum(runs[kind]) / len(runs[kind]):6.1f} ms"
                f"   {percentile(queries[kind], 50):.0f} SQL queries"
            )
    if "legacy" in out:
        print(f"  ratio after/before: {out['current'] / out['legacy']:.2f}")
    else:
        print(f"  (git cannot show {LEGACY_REF}: no before figure)")
    return out


def cpu_per_page(users: list, samples: int) -> dict[str, float]:
    """CPU and queries per attempt page, in-process on PostgreSQL: the paper read from the
    cache (as prepared ahead of the window) against the paper rendered for the request
    (its cache entry deleted first: what every page cost before the cache), alternating."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from exams import paper
    from exams.models import Attempt

    session = seed_session(users[: samples * 2], "page")
    runs: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    for i, user in enumerate(users[: samples * 2]):
        client = Client(
            HTTP_HOST="127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        client.force_login(user)
        client.get("/exams/")  # the session's first write (last seen) is not the page's
        location = client.post(f"/exams/s/{session.pk}/")["Location"]
        kind = "rendered" if i % 2 else "cached"
        if kind == "rendered":
            paper.forget(
                Attempt.objects.filter(session=session, user=user).select_related(
                    "session"
                )
            )
        with CaptureQueriesContext(connection) as q:
            t = time.process_time()
            response = client.get(location)
            runs[kind].append(1000 * (time.process_time() - t))
        queries[kind].append(len(q.captured_queries))
        if response.status_code != 200:
            raise SystemExit(f"attempt page answered {response.status_code}")
    print(
        f"\nCPU per attempt page (in-process, PostgreSQL, {QUESTIONS} questions; {samples} each, alternating):"
    )
    out = {kind: percentile(runs[kind], 50) for kind in ("rendered", "cached")}
    for kind, label in (
        ("rendered", "paper rendered"),
        ("cached", "paper from the cache"),
    ):
        print(
            f"  {label:<22} median {out[kind]:6.1f} ms CPU   {percentile(queries[kind], 50):.0f} SQL queries"
        )
    print(f"  ratio cached/rendered: {out['cached'] / out['rendered']:.2f}")
    return out


STEPS = (
    "sign-in page",
    "sign-in",
    "session page",
    "start",
    "attempt page",
    "autosave",
    "submit",
)


def cpu_per_step(users: list, samples: int, profile: str = "") -> dict[str, dict]:
    """CPU (process time) and SQL queries of each request of one candidate's sitting,
    in-process through the whole Django stack on PostgreSQL and Redis, with the CSRF
    checks on: the sign-in page, the sign-in (password checked by the hasher in use), the
    session page, Start, the first attempt page, three autosaves, the submit. Medians over
    ``samples`` candidates (one more first, not counted: imports and first renders).
    CPU time barely moves with other load on the machine, so the figures can be compared
    between runs and commits where wall-clock latencies cannot. ``profile`` names a step
    to profile (cProfile on CPU time: the costliest functions by own and cumulative time)."""
    import cProfile
    import pstats
    from http.cookies import SimpleCookie

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import exams

    people = users[: samples + 1]
    print(f"\ncode measured: {Path(exams.__file__).parents[1]}", flush=True)
    session = seed_session(people, "steps")
    runs: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    profiler = cProfile.Profile(time.process_time) if profile else None
    last_queries: list[str] = []
    csrf_name = settings.CSRF_COOKIE_NAME

    # One client (one handler: loading the middleware is not a request's cost), its
    # cookies emptied for each candidate.
    client = Client(
        enforce_csrf_checks=True,
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_REFERER="https://127.0.0.1/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    def sit(i: int, user) -> None:
        client.cookies = SimpleCookie()

        def step(name: str, call, expect: int = 200):
            if profiler is not None and name == profile and i:
                profiler.enable()
            with CaptureQueriesContext(connection) as q:
                t = time.process_time()
                response = call()
                cpu = 1000 * (time.process_time() - t)
            if profiler is not None:
                profiler.disable()
            if response.status_code != expect:
                raise SystemExit(
                    f"{name} answered {response.status_code}, not {expect}: "
                    f"{response.content[:300]!r}"
                )
            if i:
                runs[name].append(cpu)
                queries[name].append(len(q.captured_queries))
                if name == profile:
                    last_queries[:] = [x["sql"] for x in q.captured_queries]
            return response

        step("sign-in page", lambda: client.get("/accounts/login/"))
        token = client.cookies[csrf_name].value
        step(
            "sign-in",
            lambda: client.post(
                "/accounts/login/",
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token,
                },
            ),
            302,
        )
        token = client.cookies[csrf_name].value  # rotated at the sign-in
        url = f"/exams/s/{session.pk}/"
        step("session page", lambda: client.get(url))
        location = step(
            "start",
            lambda: client.post(url, {"csrfmiddlewaretoken": token}),
            302,
        )["Location"]
        step("attempt page", lambda: client.get(location))
        attempt_id = int(location.rstrip("/").split("/")[-1])
        for seq in (1, 2, 3):
            body = json.dumps({"seq": seq, "answers": random_changes()})
            step(
                "autosave",
                lambda body=body: client.post(
                    f"/exams/a/{attempt_id}/save",
                    body,
                    content_type="application/json",
                    HTTP_X_CSRFTOKEN=token,
                ),
            )
        step(
            "submit",
            lambda: client.post(
                f"/exams/a/{attempt_id}/submit",
                HTTP_ACCEPT="application/json",
                HTTP_X_CSRFTOKEN=token,
            ),
        )

    for i, user in enumerate(people):
        sit(i, user)
    out = {
        name: {
            "cpu": percentile(runs[name], 50),
            "queries": percentile(queries[name], 50),
        }
        for name in STEPS
    }
    per_candidate = sum(
        out[name]["cpu"] * (3 if name == "autosave" else 1) for name in STEPS
    )
    print(
        f"\nCPU and SQL queries per request of one candidate (in-process, PostgreSQL, Redis, "
        f"CSRF checked; median of {samples}):"
    )
    for name in STEPS:
        print(
            f"  {name:<14} {out[name]['cpu']:7.1f} ms CPU  {out[name]['queries']:4.0f} queries"
        )
    print(
        f"  one candidate's sitting (3 autosaves): {per_candidate:.0f} ms CPU; "
        f"a 15-s start of 500 (sign-in to first page): "
        f"{500 * sum(out[n]['cpu'] for n in STEPS[:5]) / 1000:.1f} s CPU",
        flush=True,
    )
    if profiler is not None:
        print(f"\nprofile of {profile!r} ({samples} requests):")
        print(f"its SQL queries, last request ({len(last_queries)}):")
        for sql in last_queries:
            print(f"  {sql[:300]}")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(40)
    return out


# Servers ----------------------------------------------------------------------------------
def start_servers(args, env) -> list[subprocess.Popen]:
    log = open(ROOT / "var" / "bench-exam-gunicorn.log", "w")  # noqa: SIM115
    gunicorn = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--chdir",
            str(ROOT / "platform"),
            "-b",
            f"127.0.0.1:{args.port}",
            "-k",
            args.worker_class,
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker_log = open(ROOT / "var" / "bench-exam-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            *(["nice", "-n", str(args.worker_nice)] if args.worker_nice else []),
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT / "platform",
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
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


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.cpu: dict[str, float] = {}
        self.burst: dict[str, float] = {}

    def record(self, phase: str, seconds: float, ok: bool, why: str = "") -> None:
        self.latency[phase].append(seconds * 1000)
        if not ok:
            self.errors[phase][why] += 1


def random_changes(k: int = 3) -> dict[str, list[str]]:
    changes = {}
    for order in random.sample(range(1, QUESTIONS + 1), k):
        if order <= 20:
            value = [random.choice("ABCD")]
        elif order <= 30:
            value = sorted(random.sample("ABCDE", random.randint(2, 3)))
        else:
            value = [random.choice("AB")]
        changes[str(order)] = value
    return changes


class Candidate:
    """One simulated candidate: its cookie, attempt, sequence and acknowledged answers."""

    def __init__(self, client, stats: Stats, info: dict, uid: int) -> None:
        self.client, self.stats, self.info = client, stats, info
        self.username = info["usernames"][uid]
        csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"{info['csrf_cookie']}={csrf}", "X-CSRFToken": csrf}
        self.csrf = csrf
        self.attempt: int | None = None
        self.signed_in = False
        self.seq = 0
        self.acked: dict[str, list[str]] = {}

    async def timed(self, phase: str, call, ok_status: int = 200):
        import httpx

        t = time.perf_counter()
        try:
            r = await call()
        except httpx.HTTPError as e:
            self.stats.record(phase, time.perf_counter() - t, False, type(e).__name__)
            return None
        ok = r.status_code == ok_status
        self.stats.record(
            phase,
            time.perf_counter() - t,
            ok,
            "" if ok else f"{r.status_code} {r.text[:80]}",
        )
        return r if ok else None

    async def sign_in(self) -> bool:
        """The sign-in page, then username and password (the hasher in use checks it);
        the session cookie the server sets is sent from then on."""
        await self.timed(
            "sign-in page",
            lambda: self.client.get("/accounts/login/", headers=self.headers),
        )
        r = await self.timed(
            "sign-in",
            lambda: self.client.post(
                "/accounts/login/",
                headers=self.headers,
                data={
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": self.csrf,
                },
            ),
            302,
        )
        if r is None:
            return False
        name = self.info["session_cookie"]
        for header in r.headers.get_list("set-cookie"):
            if header.startswith(f"{name}="):
                value = header.split(";", 1)[0].split("=", 1)[1]
                self.headers["Cookie"] = (
                    f"{name}={value}; {self.info['csrf_cookie']}={self.csrf}"
                )
                self.signed_in = True
                return True
        self.stats.record("sign-in", 0.0, False, "no session cookie")
        return False

    async def start(self, session_id: int, phase: str = "start") -> bool:
        # As a candidate does: sign in, the session's page (window, rules, the Start
        # button), then Start.
        if not self.signed_in and not await self.sign_in():
            return False
        await self.timed(
            "session page",
            lambda: self.client.get(f"/exams/s/{session_id}/", headers=self.headers),
        )
        r = await self.timed(
            phase,
            lambda: self.client.post(
                f"/exams/s/{session_id}/",
                headers=self.headers,
                data={"csrfmiddlewaretoken": self.csrf},
            ),
            302,
        )
        location = r.headers.get("location", "") if r is not None else ""
        if "/exams/a/" not in location:
            return False
        self.attempt = int(location.rstrip("/").split("/")[-1])
        await self.timed(
            "attempt page", lambda: self.client.get(location, headers=self.headers)
        )
        return True

    async def save(self, phase: str = "autosave") -> None:
        changes = random_changes()
        self.seq += 1
        body = json.dumps({"seq": self.seq, "answers": changes})
        r = await self.timed(
            phase,
            lambda: self.client.post(
                f"/exams/a/{self.attempt}/save",
                headers={**self.headers, "Content-Type": "application/json"},
                content=body,
            ),
        )
        if r is not None:
            self.acked.update(changes)

    async def submit(self, phase: str) -> None:
        await self.timed(
            phase,
            lambda: self.client.post(
                f"/exams/a/{self.attempt}/submit",
                headers={**self.headers, "Accept": "application/json"},
            ),
        )


async def wait_for_server(client) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(
                "gunicorn did not come up; see var/bench-exam-gunicorn.log"
            )
        await asyncio.sleep(0.5)


async def run_load(
    args, n: int, info: dict, pids: dict[str, int]
) -> tuple[Stats, list[Candidate]]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    base = f"http://127.0.0.1:{args.port}"
    stats = Stats()
    limits = httpx.Limits(max_connections=n + 50, max_keepalive_connections=n + 50)
    headers = {
        "X-Forwarded-Proto": "https",
        "Referer": f"https://127.0.0.1:{args.port}/",
    }
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=120, headers=headers
    ) as client:
        # Each candidate keeps its own cookies (the Cookie header); the shared client keeps
        # none, or every request would look through every candidate's.
        client.cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        await wait_for_server(client)
        # Baseline: the cheapest request the same server answers.
        sem = asyncio.Semaphore(10)

        async def health() -> None:
            async with sem:
                t = time.perf_counter()
                r = await client.get("/healthz")
                stats.record(
                    "baseline /healthz",
                    time.perf_counter() - t,
                    r.status_code == 200,
                    str(r.status_code),
                )

        for _ in range(50):  # warm every worker thread up first
            await client.get("/healthz")
        cpu0 = server_cpu_seconds(pids["server"])
        await asyncio.gather(*(health() for _ in range(400)))
        stats.cpu["baseline /healthz"] = (
            1000 * (server_cpu_seconds(pids["server"]) - cpu0) / 400
        )

        async def sign_in_first(hall: list[Candidate]) -> None:
            """With --sign-in-before S: the hall signs in over the S seconds before the
            start's ramp (officers arriving in the room), not inside it."""
            if args.sign_in_before <= 0:
                return

            async def arrive(c: Candidate) -> None:
                await asyncio.sleep(random.uniform(0, args.sign_in_before))
                await c.sign_in()

            await asyncio.gather(*(arrive(c) for c in hall))

        # 1. The deadline sitting: autosaves, then submits spread over the final window.
        people = [Candidate(client, stats, info, uid) for uid in info["users"]]
        await sign_in_first(people)

        async def deadline_candidate(c: Candidate, stop_at: float) -> None:
            await asyncio.sleep(random.uniform(0, args.ramp))
            if not await c.start(info["deadline_session"]):
                return
            await asyncio.sleep(random.uniform(0, args.interval))
            submit_at = stop_at + random.uniform(0, args.deadline_window)
            while time.monotonic() + args.interval < submit_at:
                await c.save()
                await asyncio.sleep(args.interval)
            await asyncio.sleep(max(0.0, submit_at - time.monotonic()))
            await c.save()  # the last answer, just before submitting
            await c.submit("submit (deadline)")

        t0 = time.perf_counter()
        stop_at = time.monotonic() + args.ramp + args.duration
        await asyncio.gather(*(deadline_candidate(c, stop_at) for c in people))
        print(
            f"  deadline sitting over after {time.perf_counter() - t0:.0f} s",
            flush=True,
        )

        async def seat(session_key: str, sitting: str) -> list[Candidate]:
            """Everyone starts within 15 s and saves once; return the hall, 2 s later."""
            hall = [Candidate(client, stats, info, uid) for uid in info["users"]]
            await sign_in_first(hall)
            ramp = min(args.ramp, 15.0)

            async def seated(c: Candidate) -> None:
                await asyncio.sleep(random.uniform(0, ramp))
                if await c.start(info[session_key], phase=f"start ({sitting} sitting)"):
                    await c.save(phase=f"autosave ({sitting} sitting)")

            await asyncio.gather(*(seated(c) for c in hall))
            await asyncio.sleep(2)
            return hall

        # 2. The time-up sitting: one deadline for everyone; each page waits a random part
        #    of the spread before it submits (take.js), so the hall does not submit at once.
        hall = await seat("timeup_session", "time-up")

        async def time_up(c: Candidate) -> None:
            await asyncio.sleep(random.uniform(0, info["spread"]))
            await c.submit("submit (time-up)")

        await asyncio.gather(*(time_up(c) for c in hall if c.attempt))

        # 3. The simultaneous sitting: start, save once, all submit at once.
        others = await seat("burst_session", "simultaneous")
        before = {name: server_cpu_seconds(pid) for name, pid in pids.items()}
        client0, wall0 = time.process_time(), time.perf_counter()
        started = [c for c in others if c.attempt]
        await asyncio.gather(*(c.submit("submit (simultaneous)") for c in started))
        wall = time.perf_counter() - wall0
        used = {
            name: server_cpu_seconds(pid) - before[name] for name, pid in pids.items()
        }
        stats.cpu["submit (simultaneous)"] = (
            1000 * used["server"] / max(len(started), 1)
        )
        # Where the machine's cores went while the burst lasted.
        stats.burst = {"wall": wall, "client": time.process_time() - client0, **used}
    return stats, people + hall + others


def verify(candidates: list) -> tuple[int, int, int, int, int]:
    """Compare every acknowledged answer with the database; count Results per attempt."""
    from exams.models import Attempt, AttemptQuestion, AttemptStatus, Result
    from exams.services import keys_to_display

    checked = lost = 0
    attempts = [c.attempt for c in candidates if c.attempt]
    for c in candidates:
        if not c.attempt:
            continue
        slots = {
            s.order: s for s in AttemptQuestion.objects.filter(attempt_id=c.attempt)
        }
        for order, letters in c.acked.items():
            checked += 1
            slot = slots[int(order)]
            if keys_to_display(slot.option_order, slot.response) != sorted(letters):
                lost += 1
    submitted = (
        Attempt.objects.filter(pk__in=attempts)
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .count()
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if Result.objects.filter(attempt_id__in=attempts).count() >= submitted:
            break
        time.sleep(1)
    rows = list(
        Result.objects.filter(attempt_id__in=attempts).values_list(
            "attempt_id", flat=True
        )
    )
    return checked, lost, len(rows), submitted, len(rows) - len(set(rows))


def report(
    args, n: int, stats: Stats, checks: tuple, spread: float, summary: dict
) -> dict[str, bool]:
    checked, lost, results, submitted, duplicates = checks
    base95 = percentile(stats.latency["baseline /healthz"], 95)
    print(
        f"\n{n} candidates; deadline sitting: saves every {args.interval:g} s for {args.duration:g} s, submits "
        f"spread over the final {args.deadline_window:g} s; time-up sitting: one deadline, each page submits "
        f"within {spread:g} s of it; simultaneous sitting: all submit at once; "
        f"gunicorn {args.worker_class} {args.workers}×{args.threads}, PostgreSQL, Celery worker on Redis"
    )
    print(
        f"{'phase':<32}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'×base p95':>11}"
        f"{'errors':>8}{'CPU ms/req':>12}"
    )
    for phase, values in stats.latency.items():
        p95 = percentile(values, 95)
        errors = sum(stats.errors[phase].values())
        cpu = f"{stats.cpu[phase]:.1f}" if phase in stats.cpu else ""
        print(
            f"{phase:<32}{len(values):>7}{percentile(values, 50):>9.1f}{p95:>9.1f}{percentile(values, 99):>9.1f}"
            f"{max(values):>9.1f}{p95 / base95:>11.1f}{errors:>8}{cpu:>12}"
        )
        for why, count in stats.errors[phase].items():
            print(f"    {count} × {why}")
    if stats.burst:
        b = stats.burst
        print(
            f"simultaneous burst: {b['wall']:.2f} s of wall time ({os.cpu_count()} cores); CPU used meanwhile: "
            f"web {b['server']:.2f} s, grading worker {b['worker']:.2f} s, load client {b['client']:.2f} s"
        )
    print(f"acknowledged answers checked against the database: {checked}, lost: {lost}")
    print(
        f"results: {results} for {submitted} submitted attempts (duplicates: {duplicates})"
    )
    errors = sum(sum(e.values()) for e in stats.errors.values())
    sound = lost == 0 and errors == 0 and results == submitted and duplicates == 0

    def met(save_phase: str, submit_phase: str) -> bool:
        """A sitting meets the targets when its autosaves and its submits do."""
        return (
            sound
            and percentile(stats.latency[save_phase], 95) <= TARGET_SAVE_P95
            and percentile(stats.latency[submit_phase], 95) <= TARGET_SUBMIT_P95
        )

    verdicts = {
        "deadline": met("autosave", "submit (deadline)"),
        "time-up": met("autosave (time-up sitting)", "submit (time-up)"),
        "simultaneous": met("autosave (simultaneous sitting)", "submit (simultaneous)"),
    }
    print(
        f"targets (p95 autosave ≤ {TARGET_SAVE_P95:g} ms, p95 submit ≤ {TARGET_SUBMIT_P95:g} ms, no errors, "
        f"nothing lost): deadline sitting {'MET' if verdicts['deadline'] else 'NOT MET'}, "
        f"time-up sitting {'MET' if verdicts['time-up'] else 'NOT MET'}, "
        f"simultaneous burst {'MET' if verdicts['simultaneous'] else 'NOT MET'}",
        flush=True,
    )
    summary["phases"] = {
        phase: {
            "n": len(values),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "errors": sum(stats.errors[phase].values()),
            "cpu": stats.cpu.get(phase),
        }
        for phase, values in stats.latency.items()
    }
    summary["verdicts"] = verdicts
    summary["lost"], summary["duplicates"] = lost, duplicates
    summary["results"], summary["submitted"] = results, submitted
    return verdicts


def sitting(args, users: list, n: int, pids: dict[str, int]) -> dict[str, bool]:
    from django.conf import settings

    people = users[:n]
    print(f"\n— {n} candidates —", flush=True)
    from exams.services import deadline_submit_spread_seconds

    info = {
        "deadline_session": seed_session(people, "deadline").pk,
        "timeup_session": seed_session(people, "time-up").pk,
        "burst_session": seed_session(people, "burst").pk,
        "spread": deadline_submit_spread_seconds(),
        "users": [u.pk for u in people],
        "usernames": {u.pk: u.username for u in people},
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }
    stats, candidates = asyncio.run(run_load(args, n, info, pids))
    summary = SUMMARY["sizes"].setdefault(str(n), {})
    return report(args, n, stats, verify(candidates), info["spread"], summary)


def find_max(args, users: list, pids: dict[str, int]) -> None:
    """Grow N from --candidates (×2) until a target fails, then bisect to --step."""
    best = {"deadline": 0, "time-up": 0, "simultaneous": 0}
    lo, hi, n = 0, None, args.candidates
    while True:
        verdicts = sitting(args, users, n, pids)
        for kind, ok in verdicts.items():
            if ok:
                best[kind] = max(best[kind], n)
        if verdicts["deadline"]:
            lo = n
        else:
            hi = n
        if hi is None:
            if n * 2 > args.max_candidates:
                break
            n *= 2
        elif hi - lo <= args.step:
            break
        else:
            n = (lo + hi) // 2
    print(
        f"\nlargest N meeting the targets (step {args.step}, tried up to {args.max_candidates}): "
        f"deadline sitting {best['deadline'] or 'none'}, time-up sitting {best['time-up'] or 'none'}, "
        f"simultaneous burst {best['simultaneous'] or 'none'} "
        f"(of the counts tried)"
    )


# The same load against another commit ----------------------------------------------------

SUMMARY: dict = {"steps": {}, "sizes": {}}


def flush_redis(args) -> None:
    """Empty the bench's broker and cache DBs: tasks or papers left by a run against
    other code (or another database) must not be graded or served in this one."""
    import redis

    for db in {args.broker_db, args.redis_db}:
        redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


def compare_worktree(ref: str) -> Path:
    """A detached git worktree of ``ref`` under var/bench-ref/, with its messages compiled;
    ``../shared`` from it resolves to the shared data as from this checkout."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    base = ROOT / "var" / "bench-ref"
    tree = base / sha[:12]
    if not tree.exists():
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), sha],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for po in tree.rglob("*.po"):
            subprocess.run(
                ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)],
                check=True,
            )
    shared = (ROOT.parent / "shared").resolve()
    if shared.exists() and not (base / "shared").exists():
        (base / "shared").symlink_to(shared)
    return tree


def run_reference(args, tree: Path) -> dict | None:
    """Run this script against the code in ``tree`` (same arguments, its own database,
    the same Redis DBs emptied first) and return its summary."""
    out = ROOT / "var" / "bench-exam-reference.json"
    out.unlink(missing_ok=True)
    argv = list(sys.argv[1:])
    cut = []
    skip = False
    for a in argv:  # drop --compare-ref (and its value)
        if skip:
            skip = False
            continue
        if a == "--compare-ref":
            skip = True
            continue
        if a.startswith("--compare-ref="):
            continue
        cut.append(a)
    print(
        f"\n=== the same load against {args.compare_ref} ({tree.name}) ===", flush=True
    )
    done = subprocess.run(
        [
            PY,
            str(Path(__file__).resolve()),
            *cut,
            "--code",
            str(tree),
            "--database",
            f"{args.database}_ref",
            "--summary-json",
            str(out),
        ],
        cwd=ROOT,
    )
    if done.returncode != 0 or not out.exists():
        print(f"(the run against {args.compare_ref} failed: no before figures)")
        return None
    return json.loads(out.read_text())


def print_comparison(ref: str, before: dict, after: dict, sizes: list[int]) -> None:
    print(f"\n=== current against {ref} (before → after) ===")
    print(
        f"{'per request':<16}{'CPU ms before':>15}{'after':>9}{'queries before':>16}{'after':>7}"
    )
    for name in STEPS:
        b, a = before["steps"].get(name, {}), after["steps"].get(name, {})
        print(
            f"{name:<16}{b.get('cpu', float('nan')):>15.1f}{a.get('cpu', float('nan')):>9.1f}"
            f"{b.get('queries', float('nan')):>16.0f}{a.get('queries', float('nan')):>7.0f}"
        )
    for n in sizes:
        b = before["sizes"].get(str(n), {})
        a = after["sizes"].get(str(n), {})
        print(
            f"\n{n} candidates{'':<20}{'p95 ms before':>15}{'after':>9}{'errors before':>15}{'after':>7}"
        )
        for phase in a.get("phases", {}):
            pb = b.get("phases", {}).get(phase, {})
            pa = a["phases"][phase]
            print(
                f"  {phase:<30}{pb.get('p95', float('nan')):>15.1f}{pa['p95']:>9.1f}"
                f"{pb.get('errors', 0):>15}{pa['errors']:>7}"
            )
        for side, data in (("before", b), ("after", a)):
            verdicts = data.get("verdicts", {})
            print(
                f"  {side}: lost {data.get('lost')}, results {data.get('results')} for "
                f"{data.get('submitted')} submitted (duplicates {data.get('duplicates')}); "
                + ", ".join(
                    f"{k} {'MET' if v else 'NOT MET'}" for k, v in verdicts.items()
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument(
        "--duration",
        type=float,
        default=60,
        help="seconds of autosaving before the final window",
    )
    parser.add_argument(
        "--interval", type=float, default=10, help="seconds between a candidate's saves"
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="start times spread over this many seconds",
    )
    parser.add_argument(
        "--deadline-window",
        type=float,
        default=60,
        help="submits of the deadline sitting spread over this many final seconds",
    )
    parser.add_argument(
        "--sign-in-before",
        type=float,
        default=0,
        help="candidates sign in over this many seconds before each sitting's start ramp "
        "(default 0: each signs in inside the ramp, just before opening the session)",
    )
    parser.add_argument(
        "--find-max",
        action="store_true",
        help="repeat with more/fewer candidates and report the largest N meeting the targets",
    )
    parser.add_argument(
        "--max-candidates", type=int, default=1200, help="upper bound for --find-max"
    )
    parser.add_argument("--step", type=int, default=50, help="resolution of --find-max")
    parser.add_argument(
        "--cpu-only",
        action="store_true",
        help="only measure CPU per submit and per attempt page (before/after)",
    )
    parser.add_argument(
        "--cpu-samples",
        type=int,
        default=60,
        help="submits per variant for the CPU figure",
    )
    parser.add_argument(
        "--worker-class",
        default="gthread",
        help="gunicorn worker class (gthread, sync, ...): compare them with one run each",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="h_exams_bench")
    parser.add_argument("--broker-db", type=int, default=5)
    parser.add_argument(
        "--redis-db",
        type=int,
        default=None,
        help="cache/lockout Redis DB (default broker-db + 8)",
    )
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument(
        "--sizes",
        default="",
        help="comma-separated candidate counts, one run each on the same servers (e.g. 300,500,600)",
    )
    parser.add_argument(
        "--compare-ref",
        default="",
        help="then run the same load against this git commit (a worktree under var/, its own "
        "database) and print its figures beside the current ones",
    )
    parser.add_argument(
        "--profile-step",
        default="",
        choices=["", *STEPS],
        help="profile this step of the per-request CPU figure (cProfile)",
    )
    parser.add_argument("--code", default="", help=argparse.SUPPRESS)
    parser.add_argument("--summary-json", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="run the grading worker at this niceness (docs/deployment.md: web before grading)",
    )
    args = parser.parse_args()
    if args.redis_db is None:
        args.redis_db = args.broker_db + 8
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()] or [args.candidates]
    if args.compare_ref and not args.code:
        reference = compare_worktree(
            args.compare_ref
        )  # fails early, before the long run
    global ROOT
    if args.code:
        ROOT = Path(args.code).resolve()
    (ROOT / "var").mkdir(exist_ok=True)
    env = environment(args)
    flush_redis(args)
    prepare_database(args, env)
    django_setup(env)
    most = args.max_candidates if args.find_max else max(sizes)
    users = seed_people(max(most, 2 * args.cpu_samples))
    if not args.code:  # the before/after figures of earlier work, in this run only
        cpu_per_submit(users, args.cpu_samples)
        cpu_per_page(users, args.cpu_samples)
    SUMMARY["steps"] = cpu_per_step(users, args.cpu_samples, args.profile_step)
    if not args.cpu_only:
        procs = start_servers(args, env)
        pids = {"server": procs[0].pid, "worker": procs[1].pid}
        try:
            if args.find_max:
                find_max(args, users, pids)
            else:
                for n in sizes:
                    sitting(args, users, n, pids)
        finally:
            stop_servers(procs)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(SUMMARY, default=str))
    if args.compare_ref and not args.code:
        before = run_reference(args, reference)
        if before is not None:
            print_comparison(args.compare_ref, before, SUMMARY, sizes)


if __name__ == "__main__":
    main()
