"""Time the unit completion report at scale: 20,000 officers × 30 required items
(600,000 assignments), in a fresh SQLite database and, when DATABASE_URL is given, in
that PostgreSQL database too (its tables are created by migrate and filled; use a
throw-away database).

    .venv/bin/python bench/reports.py                 # SQLite only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_records_bench .venv/bin/python bench/reports.py

Prints, per database: rows created, the number of queries of the dashboard page, and the
render time of the whole page (view + template, through Django's test client) for the
whole city and for one branch, with the ratio against a baseline measured in the same
run: one plain COUNT(*) over the assignments joined to people (the floor of any report
that reads every row).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(database_url: str, officers: int, items: int, repeat: int) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tqdm import tqdm

    setup_test_environment()
    # A test client request closes the connection at its end (CONN_MAX_AGE=0 on SQLite);
    # keep it open so the query log and SQLite's page cache survive between requests,
    # as they do on a production server with persistent connections.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    print(f"== {connection.vendor}: {database_url.split('@')[-1]}")
    call_command("migrate", verbosity=0, interactive=False)
    from records.models import Assignment

    if not Assignment.objects.exists():
        build(officers, items, tqdm)
    else:
        print("   (reusing the data already in this database)")
    # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would leave them:
    # without them the planner guesses one row for the unit subtree and loops per person.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (
                "accounts_unit",
                "accounts_user",
                "accounts_roleassignment",
                "records_assignment",
                "records_creditentry",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    from accounts.models import Role, RoleAssignment, Unit, User

    admin = User.objects.filter(username="bench_admin").first()
    if admin is None:
        admin = User.objects.create_user("bench_admin", unit=Unit.get_root_nodes()[0])
        RoleAssignment.objects.create(user=admin, role=Role.SYSTEM_ADMIN)
    client = Client()
    client.force_login(admin)
    branch = Unit.objects.filter(depth=2).order_by("path").first()
    assignments = Assignment.objects.count()
    people = User.objects.count()
    print(f"   people: {people:,}  assignments: {assignments:,}")

    def baseline() -> None:
        Assignment.objects.filter(
            required=True, user__unit__path__startswith="0001"
        ).count()

    def timed(fn) -> float:
        fn()  # warm the caches once
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        return best

    base = timed(baseline)
    print(f"   baseline COUNT(*) over assignments × people: {base * 1000:8.1f} ms")

    def count_queries(url: str):
        calls = []

        def wrapper(execute, sql, params, many, context):
            calls.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            response = client.get(url)
        return response, calls

    for label, url in (
        ("whole city", "/records/reports/"),
        (f"one branch ({branch.name})", f"/records/reports/?unit={branch.pk}"),
    ):
        response, queries = count_queries(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        elapsed = timed(lambda u=url: client.get(u))
        print(
            f"   dashboard, {label:28s} {elapsed * 1000:8.1f} ms  queries: {len(queries)}"
            f"  ×baseline: {elapsed / base:5.1f}  {'OK' if elapsed < 1 else 'SLOW'} (< 1 s)"
        )
    _response, queries = count_queries("/records/reports/overdue/")
    elapsed = timed(lambda: client.get("/records/reports/overdue/"))
    print(
        f"   overdue list (first page)              {elapsed * 1000:8.1f} ms  queries: {len(queries)}"
    )


def build(officers: int, items: int, tqdm) -> None:
    """Bulk-create a city of ``officers`` people over 10 branches × 10 stations, ``items``
    required items each, a realistic spread of completions and credit hours."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import Role, RoleAssignment, Unit, User
    from records.models import (
        Assignment,
        AssignmentStatus,
        CreditEntry,
        RoleRequirement,
        TrackedItem,
    )

    rng = random.Random(7)
    city = Unit.add_root(code="B0", name="基准市局", kind="city_bureau")
    stations = []
    for b in range(10):
        branch = city.add_child(code=f"B0-{b}", name=f"第{b + 1}分局", kind="branch")
        for s in range(10):
            stations.append(
                branch.add_child(
                    code=f"B0-{b}-{s}", name=f"第{b + 1}分局{s + 1}所", kind="station"
                )
            )
    now = timezone.now()
    year = timezone.localdate().year
    tracked = TrackedItem.objects.bulk_create(
        [
            TrackedItem(
                item_type="exam" if i % 5 == 0 else "course",
                item_id=f"bench-{i}",
                title=f"必修项目{i + 1}",
                category="law",
                hours=Decimal(2),
            )
            for i in range(items)
        ]
    )
    RoleRequirement.objects.get_or_create(
        role=Role.OFFICER, year=None, defaults={"min_hours": Decimal(40)}
    )
    users = []
    for n in tqdm(range(officers), desc="people", unit="p", mininterval=5):
        users.append(
            User(
                username=f"b{n:06d}",
                police_number=f"9{n:07d}",
                full_name=f"民警{n}",
                unit=stations[n % len(stations)],
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(username__startswith="b0").only("id"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.OFFICER) for u in users], batch_size=5000
    )
    due = now + timedelta(days=30)
    past_due = now - timedelta(days=10)
    batch: list[Assignment] = []
    credits: list[CreditEntry] = []
    for u in tqdm(users, desc="assignments", unit="p", mininterval=5):
        for i, item in enumerate(tracked):
            done = rng.random() < 0.6
            batch.append(
                Assignment(
                    user_id=u.pk,
                    item=item,
                    period=str(year),
                    required=True,
                    status=AssignmentStatus.COMPLETED
                    if done
                    else AssignmentStatus.ASSIGNED,
                    progress=1.0 if done else 0.0,
                    due_at=past_due if i % 3 == 0 else due,
                    completed_at=now - timedelta(days=rng.randint(0, 300))
                    if done
                    else None,
                    score=Decimal(rng.randint(40, 100))
                    if done and item.item_type == "exam"
                    else None,
                    passed=(rng.random() < 0.8)
                    if done and item.item_type == "exam"
                    else None,
                )
            )
            if done and i < 8:
                credits.append(
                    CreditEntry(
                        user_id=u.pk,
                        hours=Decimal(2),
                        category="law",
                        year=year,
                        source_type="course",
                        source_id=item.item_id,
                        earned_at=now - timedelta(days=rng.randint(0, 300)),
                    )
                )
        if len(batch) >= 30_000:
            Assignment.objects.bulk_create(batch, batch_size=5000)
            CreditEntry.objects.bulk_create(credits, batch_size=5000)
            batch, credits = [], []
    Assignment.objects.bulk_create(batch, batch_size=5000)
    CreditEntry.objects.bulk_create(credits, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--officers", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sqlite", help="SQLite file to use (default: a fresh temporary one)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.officers, args.items, args.repeat)
        return
    urls = [
        f"sqlite:///{args.sqlite or Path(tempfile.mkdtemp(prefix='bench-reports-')) / 'bench.sqlite3'}"
    ]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        urls.append(os.environ["DATABASE_URL"])
    for url in urls:
        # One process per database: Django's settings are read once per process.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                url,
                "--officers",
                str(args.officers),
                "--items",
                str(args.items),
                "--repeat",
                str(args.repeat),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
