"""Browsing load: signed-in officers open course and case-bank pages and run case searches
against a real stack on loopback (gunicorn + PostgreSQL + Redis cache and sessions), with an
asyncio httpx client. Pages: my learning, the course catalogue, one course page, the case
bank, laws, charges, one case page, the search page and the case API search.

    .venv/bin/python bench/load_browse.py --seed --users 40 --seconds 60
    (--database-url defaults to postgres://postgres@127.0.0.1:5432/h_load; --seed creates
     it when missing, migrates it and runs manage.py seed_demo, once; the search index of
     this stack lives in var/load-search, apart from the development one)

Prints p50/p95/p99 latency and error counts per page, and the same figures for /healthz
in the same run as the baseline (ratio = page p50 / healthz p50). Pages that do not exist
yet (404 for everyone) are skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = os.environ.get("LOAD_PASSWORD", "Jingwu@2026")  # the demo password
PAGES = [
    ("healthz (baseline)", "/healthz"),
    ("home", "/"),
    ("my learning", "/learn/"),
    ("course catalogue", "/learn/catalogue/"),
    ("case bank", "/casebank/"),
    ("law list", "/casebank/laws/"),
    ("charge list", "/casebank/charges/"),
    ("case search", "/search/?q={q}"),
    ("API case search", "/api/v1/cases/?search={q}"),
]
QUERIES = [
    "盗窃",
    "诈骗",
    "故意伤害",
    "醉酒驾驶",
    "寻衅滋事",
    "非法拘禁",
    "抢劫",
    "治安处罚",
]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def start_gunicorn(port: int, workers: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--chdir",
            str(ROOT / "platform"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
                == 200
            ):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


async def login(client: httpx.AsyncClient, username: str) -> bool:
    page = await client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not token:
        return False
    response = await client.post(
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": PASSWORD,
        },
        headers={"Referer": str(client.base_url) + "/accounts/login/"},
    )
    return response.status_code in (302, 303) and "login" not in response.headers.get(
        "location", "login"
    )


async def user_loop(
    base: str, username: str, deadline: float, pages: list, samples, errors
) -> None:
    async with httpx.AsyncClient(
        base_url=base, timeout=30, follow_redirects=False
    ) as client:
        if not await login(client, username):
            errors["login"] += 1
            return
        while time.monotonic() < deadline:
            name, path = random.choice(pages)
            url = path.format(q=random.choice(QUERIES))
            t0 = time.perf_counter()
            try:
                response = await client.get(url)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            elapsed = (time.perf_counter() - t0) * 1000
            if ok:
                samples[name].append(elapsed)
            else:
                errors[name] += 1


async def probe(base: str, username: str, warm: int) -> list:
    """Drop pages that do not exist (yet) for a signed-in officer."""
    kept = []
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        if not await login(client, username):
            raise SystemExit(
                f"cannot sign in as {username}: seed the demo (manage.py seed_demo)"
            )
        pages = list(PAGES)
        # One real course page and one real case page (Wagtail pages), found through the API.
        for name, api in (
            ("course page", "/api/v1/courses/?limit=5"),
            ("case page", "/api/v1/cases/?limit=5"),
        ):
            response = await client.get(api)
            results = (
                response.json().get("results", [])
                if response.status_code == 200
                else []
            )
            url = next((r.get("url") for r in results if r.get("url")), None)
            if url:
                pages.append((name, url))
            else:
                print(f"  skipped {name}: {api} lists none")
        for name, path in pages:
            response = await client.get(path.format(q=QUERIES[0]))
            if response.status_code == 404:
                print(f"  skipped {name} ({path}): 404, not built yet")
            elif response.status_code >= 500:
                print(
                    f"  {name} ({path}) answers {response.status_code}: kept, counted as errors"
                )
                kept.append((name, path))
            else:
                kept.append((name, path))
        # Warm every worker (search loads its embedding model on first use).
        for _ in range(warm):
            await asyncio.gather(
                *(client.get(path.format(q=QUERIES[0])) for _, path in kept)
            )
    return kept


def seed(database_url: str, env: dict) -> None:
    """Create the database when missing, migrate it and seed the demo once."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    with psycopg.connect(database_url) as conn:
        seeded = conn.execute(
            "SELECT 1 FROM accounts_user WHERE username = 'officer1'"
        ).fetchone()
    if not seeded:
        print("seeding the demo data (once) …", flush=True)
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_load"
        ),
    )
    parser.add_argument(
        "--seed",
        action="store_true",
        help="create, migrate and seed the database with the demo data when it has no officer1",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()

    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        ACCOUNTS_LOCKOUT_THRESHOLD="100000",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    )
    env.pop("CELERY_BROKER_URL", None)
    env["SEARCH_INDEX_DIR"] = str(ROOT / "var" / "load-search")
    if args.seed:
        seed(args.database_url, env)
    proc = start_gunicorn(args.port, args.workers, env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        usernames = [f"officer{i}" for i in range(1, 31)]
        pages = asyncio.run(probe(base, usernames[0], args.workers * 2))
        samples: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()

        async def run() -> None:
            await asyncio.gather(
                *(
                    user_loop(
                        base,
                        usernames[i % len(usernames)],
                        deadline,
                        pages,
                        samples,
                        errors,
                    )
                    for i in range(args.users)
                )
            )

        asyncio.run(run())
        elapsed = time.monotonic() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    total = sum(len(v) for v in samples.values())
    print(
        f"users={args.users} seconds={elapsed:.0f} gunicorn_workers={args.workers} requests={total} "
        f"throughput={total / elapsed:.1f}/s login_failures={errors.get('login', 0)}"
    )
    base_p50 = percentile(samples["healthz (baseline)"], 50)
    print(
        f"{'page':22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'p50/healthz':>12}"
    )
    for name, _ in pages:
        v = samples[name]
        p50 = percentile(v, 50)
        print(
            f"{name:22} {len(v):6d} {p50:8.0f} {percentile(v, 95):8.0f} {percentile(v, 99):8.0f} "
            f"{errors.get(name, 0):7d} {p50 / base_p50:12.1f}"
        )


if __name__ == "__main__":
    main()
