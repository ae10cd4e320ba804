"""Time the 执法考评 page for a force of 20,000 officers with 50,000 enforcement problems,
in a fresh SQLite database and, when DATABASE_URL is given, in that PostgreSQL database
too (use a throw-away database: it is filled).

    .venv/bin/python bench/evaluation.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_19_bench .venv/bin/python bench/evaluation.py

The force: a city, 10 branches × 10 stations, 200 officers per station; 50,000 problems
over the year (3 in 4 against a person; one in 5 with remedial training, half of it
completed); 5 credit entries, one exam grade per officer; 2,000 offline activities; 100
legal officers with certificates; 100 leaders with 会前学法 attendance; an approved scheme
and the past months frozen (the trend reads them). Prints, per database, the render time
of the whole page (view + template, through Django's test client; best of --repeat after
one warm-up) for the city, a branch (ranked among its 10 peers, so the whole city is
evaluated) and a station with its 200 people listed, and each time's ratio to a baseline
measured in the same run: one plain COUNT(*) of the year's problems in the city's subtree.
The machine is shared: compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(database_url: str, officers: int, problems: int, repeat: int) -> None:
    import tempfile

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TEST_VAR_DIR", tempfile.mkdtemp(prefix="bench-eval-"))
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    # Keep the connection between requests, as a production server with persistent
    # connections does (the test client closes it otherwise).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    print(f"== {connection.vendor}: {database_url.split('@')[-1]}", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    from casebank.models import EnforcementProblem

    t0 = time.perf_counter()
    if not EnforcementProblem.objects.exists():
        build(officers, problems)
        print(f"   built in {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        print("   (reusing the data already in this database)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    from django.utils import timezone

    from accounts.models import Unit, User

    year = timezone.localdate().year
    admin = User.objects.get(username="bench_admin")
    client = Client()
    client.force_login(admin)
    city = Unit.get_root_nodes()[0]
    branch = Unit.objects.filter(depth=2).order_by("path").first()
    station = Unit.objects.filter(depth=3).order_by("path").first()
    print(
        f"   people: {User.objects.count():,}  problems: "
        f"{EnforcementProblem.objects.count():,}"
    )

    def baseline() -> None:
        EnforcementProblem.objects.filter(
            unit__path__startswith=city.path, found_on__year=year
        ).count()

    def timed(fn) -> float:
        fn()
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        return best

    base = timed(baseline)
    print(f"   baseline COUNT(*) of the year's problems: {base * 1000:8.1f} ms")
    for label, url in (
        ("whole city", f"/learn/evaluation/?unit={city.pk}&year={year}"),
        (f"branch ({branch.name})", f"/learn/evaluation/?unit={branch.pk}&year={year}"),
        (
            f"station + people ({station.name})",
            f"/learn/evaluation/?unit={station.pk}&year={year}&people=1",
        ),
    ):
        calls = []

        def wrapper(execute, sql, params, many, context, calls=calls):
            calls.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        elapsed = timed(lambda u=url: client.get(u))
        print(
            f"   evaluation page, {label:34s} {elapsed * 1000:8.1f} ms"
            f"  queries: {len(calls):3d}  ×baseline: {elapsed / base:6.1f}"
            f"  {'OK' if elapsed < 1 else 'SLOW'} (< 1 s)",
            flush=True,
        )


def build(officers: int, problems: int) -> None:
    """Bulk-create the force described in the module docstring."""
    import datetime as dt
    import random
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import Role, RoleAssignment, Unit, User
    from casebank.models import CaseVolume, EnforcementProblem, ProblemRemediation
    from courses.evaluation import DEFAULT_INDICATORS
    from courses.evaluation_services import (
        evaluation_freeze,
        scheme_approve,
        scheme_create,
    )
    from courses.models import (
        AttendanceStatus,
        PreMeetingAttendance,
        PreMeetingStudySession,
    )
    from exams.models import Blueprint, ExamGrade, ExamSession
    from records.models import (
        Assignment,
        AssignmentStatus,
        Certification,
        CreditEntry,
        OfflineActivity,
        RoleRequirement,
        TrackedItem,
    )

    rng = random.Random(19)
    today = timezone.localdate()
    year = today.year
    days = (today - dt.date(year, 1, 1)).days
    city = Unit.add_root(code="E0", name="基准市局", kind="city_bureau")
    stations = []
    for b in range(10):
        branch = city.add_child(code=f"E0-{b}", name=f"第{b + 1}分局", kind="branch")
        for s in range(10):
            stations.append(
                branch.add_child(
                    code=f"E0-{b}-{s}", name=f"第{b + 1}分局{s + 1}所", kind="station"
                )
            )
    CaseVolume.objects.bulk_create(
        [
            CaseVolume(unit=s, year=year, cases_handled=rng.randint(200, 900))
            for s in stations
        ]
    )
    RoleRequirement.objects.get_or_create(
        role=Role.OFFICER, year=None, defaults={"min_hours": Decimal(40)}
    )
    RoleRequirement.objects.get_or_create(
        role=Role.LEADER, year=None, defaults={"pre_meeting_study_min": 4}
    )
    User.objects.bulk_create(
        [
            User(
                username=f"e{n:06d}",
                police_number=f"8{n:07d}",
                full_name=f"民警{n}",
                unit=stations[n % len(stations)],
            )
            for n in range(officers)
        ],
        batch_size=2000,
    )
    people = list(
        User.objects.filter(username__startswith="e0").values_list("pk", "unit_id")
    )
    roles = [RoleAssignment(user_id=pk, role=Role.OFFICER) for pk, _u in people]
    roles += [
        RoleAssignment(user_id=pk, role=Role.LEGAL_OFFICER) for pk, _u in people[:100]
    ]
    roles += [
        RoleAssignment(user_id=pk, role=Role.LEADER) for pk, _u in people[100:200]
    ]
    RoleAssignment.objects.bulk_create(roles, batch_size=5000)
    admin = User.objects.create_user("bench_admin", unit=city)
    second = User.objects.create_user("bench_admin2", unit=city)
    RoleAssignment.objects.create(user=admin, role=Role.SYSTEM_ADMIN)
    RoleAssignment.objects.create(user=second, role=Role.SYSTEM_ADMIN)

    def moment(day: int) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(
                dt.date(year, 1, 1) + dt.timedelta(days=day), dt.time(10)
            )
        )

    credits = [
        CreditEntry(
            user_id=pk,
            hours=Decimal(rng.randint(2, 12)),
            category="law",
            year=year,
            source_type="bench",
            source_id=f"{pk}-{i}",
            earned_at=moment(rng.randint(0, days)),
        )
        for pk, _u in people
        for i in range(5)
    ]
    CreditEntry.objects.bulk_create(credits, batch_size=5000)
    blueprint = Blueprint.objects.create(name="基准蓝图")
    session = ExamSession.objects.create(
        title="年度执法资格考试",
        blueprint=blueprint,
        opens_at=moment(min(90, days)),
        closes_at=moment(min(90, days)) + dt.timedelta(hours=2),
        time_limit_minutes=60,
    )
    grades = []
    for pk, _u in people:
        percent = Decimal(rng.randint(40, 100))
        grades.append(
            ExamGrade(
                session=session, user_id=pk, percent=percent, passed=percent >= 60
            )
        )
    ExamGrade.objects.bulk_create(grades, batch_size=5000)
    OfflineActivity.objects.bulk_create(
        [
            OfflineActivity(
                user_id=rng.choice(people)[0],
                kind=rng.choice(
                    ["court_hearing", "prosecutor_lecture", "judge_lecture"]
                ),
                title="旁听庭审",
                occurred_on=dt.date(year, 1, 1)
                + dt.timedelta(days=rng.randint(0, days)),
                hours=Decimal(3),
                status="approved",
            )
            for _n in range(2000)
        ],
        batch_size=2000,
    )
    Certification.objects.bulk_create(
        [
            Certification(
                user_id=pk, kind="legal_officer", issued_at=dt.date(year - 1, 3, 1)
            )
            for pk, _u in people[:80]
        ]
    )
    meeting = PreMeetingStudySession.objects.create(
        unit=city, meeting="党委会", held_on=dt.date(year, 1, 15), topic="会前学法"
    )
    PreMeetingAttendance.objects.bulk_create(
        [
            PreMeetingAttendance(
                session=meeting, user_id=pk, status=AttendanceStatus.ATTENDED
            )
            for pk, _u in people[100:200]
        ]
    )
    categories = (
        ["acceptance"] * 3
        + ["evidence"] * 3
        + [
            "coercive",
            "property",
            "law_application",
            "procedure",
            "documents",
            "recording",
        ]
    )
    rows = []
    for _n in range(problems):
        pk, unit_id = rng.choice(people)
        rows.append(
            EnforcementProblem(
                unit_id=unit_id,
                person_id=pk if rng.random() < 0.75 else None,
                category=rng.choice(categories),
                severity=rng.choice(["minor"] * 6 + ["serious"] * 3 + ["grave"]),
                description="基准数据",
                found_on=dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, days)),
            )
        )
    EnforcementProblem.objects.bulk_create(rows, batch_size=5000)
    item = TrackedItem.objects.create(
        item_type="course", item_id="bench-remedial", title="整改课程"
    )
    remedial = list(
        EnforcementProblem.objects.filter(person__isnull=False).values_list(
            "pk", "person_id", "found_on"
        )[: problems // 5]
    )
    seen: dict[int, int] = {}
    assignments = []
    for _pk, person_id, found_on in remedial:
        if person_id in seen:
            continue
        seen[person_id] = 0
        done = rng.random() < 0.5
        assignments.append(
            Assignment(
                user_id=person_id,
                item=item,
                period="",
                required=True,
                source="problem",
                status=AssignmentStatus.COMPLETED
                if done
                else AssignmentStatus.ASSIGNED,
                progress=1.0 if done else 0.0,
                due_at=moment((found_on - dt.date(year, 1, 1)).days + 30),
                completed_at=moment(
                    (found_on - dt.date(year, 1, 1)).days + rng.randint(1, 45)
                )
                if done
                else None,
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    by_person = dict(Assignment.objects.filter(item=item).values_list("user_id", "pk"))
    ProblemRemediation.objects.bulk_create(
        [
            ProblemRemediation(
                problem_id=pk,
                assignment_id=by_person[person_id],
                due_at=moment((found_on - dt.date(year, 1, 1)).days + 30),
            )
            for pk, person_id, found_on in remedial
        ],
        batch_size=5000,
    )
    scheme = scheme_create(author=admin, year=year, indicators=dict(DEFAULT_INDICATORS))
    scheme_approve(approver=second, scheme=scheme)
    for month in range(1, today.month):
        t0 = time.perf_counter()
        evaluation_freeze(by=admin, period=f"{year}-{month:02d}", today=today)
        print(
            f"   froze {year}-{month:02d} in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--officers", type=int, default=20_000)
    parser.add_argument("--problems", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        import tempfile

        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-eval-')}/db.sqlite3"
    run_one(database_url, args.officers, args.problems, args.repeat)


if __name__ == "__main__":
    main()
