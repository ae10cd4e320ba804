"""What assigning required courses costs: syncing a course's audience (records'
assignment_sync) against a plain bulk INSERT of the same assignments, and recomputing one
person's assignments (what a unit or role change triggers) with many live courses.

    .venv/bin/python bench/courses_assignments.py [--people 5000] [--courses 20] [--database-url postgres://postgres@127.0.0.1:5432/bench_courses]

Without --database-url it uses a temporary SQLite file. With PostgreSQL it (re)creates the
named database. Prints timings and ratios to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _bootstrap import bench_django_setup

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument(
        "--sample",
        type=int,
        default=200,
        help="people whose assignments are recomputed",
    )
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    bench_django_setup(prefix="bench-courses-", database_url=args.database_url)
    from django.db import transaction
    from django.db.models.signals import post_save, pre_save

    from wagtail.models import Site
    from wagtail.signals import page_published

    from accounts.models import Post, Role, RoleAssignment, Unit, User
    from courses import services, signals
    from courses.models import CourseAudienceRule, CourseIndexPage, CoursePage
    from records import services as records_services
    from records import signals as records_signals
    from records.models import Assignment, AssignmentRule, TrackedItem

    # Bulk set-up without the per-person signal (it is what we measure separately).
    pre_save.disconnect(records_signals.remember_rule_fields, sender=User)
    post_save.disconnect(records_signals.user_saved, sender=User)
    post_save.disconnect(records_signals.role_changed, sender=RoleAssignment)
    page_published.disconnect(signals.course_published, sender=CoursePage)

    city = Unit.add_root(code="B0", name="市局")
    stations = [city.add_child(code=f"B0-{i}", name=f"派出所{i}") for i in range(10)]
    unusable = "!"  # Django's marker for an unusable password
    duty, _ = Post.objects.get_or_create(name="值班民警")
    users = User.objects.bulk_create(
        [
            User(
                username=f"b{i}",
                unit=stations[i % 10],
                password=unusable,
                post=duty if i % 3 == 0 else None,
            )
            for i in range(args.people)
        ],
        batch_size=2000,
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.OFFICER) for u in users], batch_size=2000
    )

    home = Site.objects.get(is_default_site=True).root_page
    index = home.add_child(instance=CourseIndexPage(title="课程", slug="bench-courses"))
    courses = []
    for i in range(args.courses):
        course = CoursePage(title=f"课程{i}", slug=f"c{i}", summary="-", required=True)
        course.audience_rules.add(
            CourseAudienceRule(
                role=Role.OFFICER, unit=city if i % 2 else stations[i % 10]
            )
        )
        index.add_child(instance=course)
        course.save_revision().publish()
        courses.append(course)
    item = TrackedItem.objects.create(
        item_type="bench", item_id="plain", title="baseline"
    )

    started = time.perf_counter()
    with transaction.atomic():
        Assignment.objects.bulk_create(
            [Assignment(user=u, item=item) for u in users], batch_size=1000
        )
    plain = time.perf_counter() - started

    started = time.perf_counter()
    added, _ = services.course_assignments_sync(course=courses[1])
    first = time.perf_counter() - started
    started = time.perf_counter()
    services.course_assignments_sync(course=courses[1])
    again = time.perf_counter() - started
    for course in courses:
        services.course_assignments_sync(course=course)

    sample = users[: args.sample]
    started = time.perf_counter()
    for user in sample:
        services.user_assignments_recompute(user=user)
    per_person = (time.perf_counter() - started) / len(sample)

    # Assignment rules on top: a post rule on every other course, and on 10 guidelines'
    # items (rule-only items); then the sync of a ruled course and the recompute of every
    # type (courses, exams, guidelines) that a transfer now triggers.
    for course in courses[::2]:
        AssignmentRule.objects.create(
            item=services.course_tracked_item(course=course), post=duty
        )
    for i in range(10):
        guide = TrackedItem.objects.create(
            item_type="guideline", item_id=f"g{i}", title=f"指引{i}"
        )
        AssignmentRule.objects.create(item=guide, post=duty, unit=stations[i])
        records_services.rule_assignments_sync(item=guide)
    started = time.perf_counter()
    services.course_assignments_sync(course=courses[0])
    ruled_sync = time.perf_counter() - started
    for course in courses:
        services.course_assignments_sync(course=course)
    started = time.perf_counter()
    for user in sample:
        records_services.user_assignments_recompute_all(user=user)
    per_person_all = (time.perf_counter() - started) / len(sample)

    print(
        f"plain bulk INSERT of {args.people} assignments:   {plain * 1000:8.1f} ms  (baseline)"
    )
    print(
        f"course_assignments_sync, {added} new people:  {first * 1000:8.1f} ms  ({first / plain:.1f}x baseline)"
    )
    print(
        f"course_assignments_sync again (no change):  {again * 1000:8.1f} ms  ({again / plain:.1f}x baseline)"
    )
    print(
        f"user_assignments_recompute, {args.courses} live required courses: {per_person * 1000:6.1f} ms per person"
    )
    print(
        f"course_assignments_sync with a post rule on top (first): {ruled_sync * 1000:8.1f} ms"
    )
    print(
        f"user_assignments_recompute_all (courses, exams, 10 ruled guidelines): {per_person_all * 1000:6.1f} ms per person"
    )


if __name__ == "__main__":
    main()
