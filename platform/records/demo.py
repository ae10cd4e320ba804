"""A year of plausible training history for the demo organisation, so the reports show
something real on first run. Idempotent: items, assignments, credits, events, offline
activities and certifications are all looked up by natural keys (or written through the
ledger's idempotent services)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Role, User

from .models import (
    Assignment,
    AssignmentStatus,
    CertificationKind,
    CreditEntry,
    OfflineActivity,
    OfflineKind,
    RoleRequirement,
    TrackedItem,
)
from .selectors import PRE_MEETING_STUDY, ZERO
from .services import (
    assignment_complete,
    assignment_progress,
    assignment_sync,
    certification_record,
    credit_hours,
    learning_event_record,
    requirement_assignments_sync,
    tracked_item_upsert,
)

ORDER = 60

# (item_type, item_id, title, category, hours, due month). Our own item types: "course"
# and "exam" belong to the courses and exams apps, whose ids are their page/session ids.
OWN_ITEMS = [
    (
        "course_generic",
        "demo-law-1",
        "《中华人民共和国治安管理处罚法》精讲",
        "law",
        "4",
        3,
    ),
    (
        "course_generic",
        "demo-enf-1",
        "刑事案件办理规范与证据审查",
        "enforcement",
        "6",
        5,
    ),
    (
        "course_generic",
        "demo-case-1",
        "典型案例研讨：电信网络诈骗案件",
        "case_study",
        "3",
        6,
    ),
    (
        "course_generic",
        "demo-biz-1",
        "执法记录仪使用与音视频证据管理",
        "police_business",
        "2",
        8,
    ),
    ("course_generic", "demo-enf-2", "行政案件证据收集与固定", "enforcement", "3", 10),
    (
        "exam_qualification",
        "demo-qual-basic",
        "执法资格等级考试（基本级）",
        "exam",
        "2",
        11,
    ),
]
LEGAL_ITEMS = [
    ("course_generic", "demo-review-1", "法制员案件审核实务", "case_study", "6", 6),
    ("exam_review", "demo-review-exam", "法制员案件审核能力测试", "exam", "2", 9),
]
OFFLINE = [
    (
        "officer1",
        OfflineKind.COURT_HEARING,
        "旁听滨江市中级人民法院盗窃案庭审",
        "滨江市中级人民法院",
        "3",
    ),
    (
        "officer2",
        OfflineKind.PROSECUTOR_LECTURE,
        "检察官讲座：审查逮捕常见证据问题",
        "东城区人民检察院",
        "2",
    ),
    (
        "officer5",
        OfflineKind.FIELD_EXERCISE,
        "现场处置实战演练：醉酒滋事警情",
        "市局训练基地",
        "4",
    ),
    (
        "officer6",
        OfflineKind.JUDGE_LECTURE,
        "法官讲座：行政诉讼中的程序违法",
        "西城区人民法院",
        "2",
    ),
]


def _aware(d: datetime) -> datetime:
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def seed(command: Any) -> None:
    people = list(
        User.objects.filter(
            role_assignments__role__in=[Role.OFFICER, Role.LEGAL_OFFICER, Role.LEADER]
        )
        .distinct()
        .order_by("username")
    )
    if not people:
        command.stdout.write(
            "  records: no demo people yet (run the accounts seeder first); skipped"
        )
        return
    now = timezone.now()
    year = timezone.localdate(now).year
    with transaction.atomic():
        items = _items()
        _requirements(items)
        requirement_assignments_sync(year=year)
        _history(people, items, year, now)
        _pre_meeting(year, now)
        _offline(now)
        _certifications(now)
    command.stdout.write(
        f"  records: history for {len(people)} people over {len(items)} required items"
    )


def _items() -> dict[str, tuple[TrackedItem, int]]:
    # Only records' own items. The courses and exams apps assign their items themselves,
    # each with its own period (a course that does not repeat yearly has period "", and
    # its completion lands there); giving their items yearly "2025"/"2026" assignments
    # here left those open for ever, shown as overdue at 0% next to the completed course.
    items: dict[str, tuple[TrackedItem, int]] = {}
    for item_type, item_id, title, category, hours, month in OWN_ITEMS + LEGAL_ITEMS:
        item = tracked_item_upsert(
            item_type=item_type,
            item_id=item_id,
            title=title,
            category=category,
            hours=hours,
        )
        items[item_id] = (item, month)
    return items


def _requirements(items: dict[str, tuple[TrackedItem, int]]) -> None:
    officer, _ = RoleRequirement.objects.get_or_create(
        role=Role.OFFICER,
        year=None,
        defaults={
            "min_hours": Decimal(40),
            "category_minimums": {"law": "8", "enforcement": "6"},
            "note": "一线民警年度学时与执法资格考试",
        },
    )
    officer.required_items.add(items["demo-qual-basic"][0])
    legal, _ = RoleRequirement.objects.get_or_create(
        role=Role.LEGAL_OFFICER,
        year=None,
        defaults={
            "min_hours": Decimal(60),
            "category_minimums": {"case_study": "10"},
            "note": "法制员每年加修案件审核课程并参加审核能力测试",
        },
    )
    legal.required_items.add(items["demo-review-1"][0], items["demo-review-exam"][0])
    RoleRequirement.objects.get_or_create(
        role=Role.LEADER,
        year=None,
        defaults={
            "min_hours": Decimal(20),
            "pre_meeting_study_min": 10,
            "note": "领导干部每年会前学法不少于10次",
        },
    )


def _history(
    people: list[User],
    items: dict[str, tuple[TrackedItem, int]],
    year: int,
    now: datetime,
) -> None:
    legal_ids = {p.pk for p in people if p.has_role(Role.LEGAL_OFFICER)}
    tz = timezone.get_current_timezone()
    for key, (item, month) in items.items():
        audience = (
            [p for p in people if p.pk in legal_ids]
            if key in ("demo-review-1", "demo-review-exam")
            else people
        )
        due = datetime(year, month, 28, 18, tzinfo=tz)
        assignment_sync(item=item, users=audience, due_at=due, period=str(year))
        # Last year's round, all settled: most completed.
        assignment_sync(
            item=item,
            users=audience,
            due_at=datetime(year - 1, month, 28, 18, tzinfo=tz),
            period=str(year - 1),
        )
    assignments = Assignment.objects.filter(
        user__in=people, item__item_id__in=[k for k in items if k.startswith("demo-")]
    ).select_related("item", "user")
    lagging = {p.pk for p in people if _lags(p)}
    for a in assignments:
        rng = random.Random(f"{a.user.username}:{a.item.item_id}:{a.period}")  # noqa: S311 - demo data
        if a.status == AssignmentStatus.COMPLETED:
            continue
        period_year = int(a.period or year)
        due = a.due_at or now
        # Most people finish a required item before it is due; the few who lag leave
        # some open (what the overdue and at-risk lists are for).
        if a.user_id in lagging:
            chance = 0.8 if period_year < year else (0.4 if due < now else 0.1)
        else:
            chance = 0.97 if period_year < year else (0.95 if due < now else 0.35)
        if rng.random() >= chance:
            if period_year == year and rng.random() < 0.5:
                assignment_progress(
                    user=a.user,
                    item=a.item,
                    progress=rng.choice([0.2, 0.4, 0.6]),
                    period=a.period,
                )
            continue
        done_at = min(
            now - timedelta(hours=1),
            due - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 12)),
        )
        is_exam = a.item.item_type.startswith("exam")
        score = Decimal(rng.randint(52, 98)) if is_exam else None
        passed = (score >= 60) if score is not None else None
        assignment_complete(
            user=a.user,
            item=a.item,
            completed_at=done_at,
            score=score,
            passed=passed,
            period=a.period,
        )
        learning_event_record(
            actor=a.user,
            verb="passed" if passed else ("failed" if is_exam else "completed"),
            object_type=a.item.item_type,
            object_id=a.item.item_id,
            object_name=a.item.title,
            result={"score": str(score)} if score is not None else {},
            timestamp=done_at,
            idempotency_key=f"demo:{a.pk}",
        )
        if passed is not False:
            credit_hours(
                user=a.user,
                hours=a.item.hours,
                category=a.item.category,
                source_type=a.item.item_type,
                source_id=f"{a.item.item_id}:{a.period}",
                source_name=a.item.title,
                earned_at=done_at,
            )
    _self_study(people, year, now, lagging)


# A few people in every real unit fall behind; most keep pace with their yearly target.
LAGGING_SHARE = 0.12


def _lags(person: User) -> bool:
    return random.Random(f"lag:{person.username}").random() < LAGGING_SHARE  # noqa: S311 - demo data


def _self_study(
    people: list[User], year: int, now: datetime, lagging: set[int]
) -> None:
    """Self-study hours (1–3 h sessions) spread over last year and this year so far. Each
    person's hours this year follow their target: those who keep pace reach it pro rata
    (100–125 %), the lagging few a third to two thirds of it, so the at-risk list names
    a few people with reasons instead of nearly everyone."""
    start = _aware(datetime(year, 1, 1))
    elapsed = max(1, (now - start).days)
    targets = {
        r.role: r.min_hours
        for r in RoleRequirement.objects.filter(year__isnull=True, min_hours__gt=0)
    }
    have = dict(
        CreditEntry.objects.filter(user__in=people, year=year)
        .values("user")
        .annotate(h=Sum("hours"))
        .values_list("user", "h")
    )
    for p in people:
        rng = random.Random(f"extra:{p.username}")  # noqa: S311 - demo data
        for n in range(rng.randint(6, 12)):  # last year: settled, not reported on
            when = start - timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 10))
            _study(p, f"{p.username}-{year - 1}-{n}", rng, when)
        target = max((targets.get(r, ZERO) for r in p.get_role_codes()), default=ZERO)
        share = (
            rng.uniform(0.3, 0.65) if p.pk in lagging else rng.uniform(1.0, 1.25)
        ) * min(1.0, elapsed / 365)
        want = target * Decimal(str(round(share, 3)))
        got = have.get(p.pk) or ZERO
        n = 0
        while got < want and n < 200:
            hours = _study(
                p,
                f"{p.username}-{now:%Y%m%d}-{n}",
                rng,
                start + timedelta(days=rng.randint(0, elapsed - 1), hours=9),
            )
            got += hours
            n += 1


def _study(person: User, source_id: str, rng: random.Random, when: datetime) -> Decimal:
    hours = Decimal(rng.choice(["1", "1.5", "2", "3"]))
    credit_hours(
        user=person,
        hours=hours,
        category=rng.choice(["law", "enforcement", "case_study", "police_business"]),
        source_type="demo_self_study",
        source_id=source_id,
        source_name="网上自学专题",
        earned_at=_aware(when),
    )
    return hours


def _pre_meeting(year: int, now: datetime) -> None:
    leaders = User.objects.filter(role_assignments__role=Role.LEADER)
    for leader in leaders:
        for n in range(7):
            when = now - timedelta(days=30 * n + 3)
            if when.year != year:
                continue
            learning_event_record(
                actor=leader,
                verb="attended",
                object_type=PRE_MEETING_STUDY,
                object_id=f"demo-{when:%Y%m}",
                object_name=f"{when:%Y年%m月}党委会会前学法",
                timestamp=when,
                idempotency_key=f"demo-premeeting:{leader.pk}:{when:%Y%m}",
            )


def _offline(now: datetime) -> None:
    for username, kind, title, place, hours in OFFLINE:
        user = User.objects.filter(username=username).first()
        if (
            user is None
            or OfflineActivity.objects.filter(user=user, title=title).exists()
        ):
            continue
        OfflineActivity.objects.create(
            user=user,
            kind=kind,
            title=title,
            location=place,
            hours=Decimal(hours),
            occurred_on=timezone.localdate(now) - timedelta(days=9),
            description="演示数据：待单位管理员审核",
        )


def _certifications(now: datetime) -> None:
    today = timezone.localdate(now)
    plan = [
        (
            "legal1",
            CertificationKind.LEGAL_OFFICER,
            "",
            today - timedelta(days=3 * 365 - 40),
            45,
        ),
        (
            "legal2",
            CertificationKind.LEGAL_OFFICER,
            "",
            today - timedelta(days=400),
            700,
        ),
        (
            "officer1",
            CertificationKind.ENFORCEMENT,
            "基本级",
            today - timedelta(days=1000),
            60,
        ),
        (
            "officer2",
            CertificationKind.ENFORCEMENT,
            "中级",
            today - timedelta(days=500),
            600,
        ),
        (
            "officer3",
            CertificationKind.ENFORCEMENT,
            "基本级",
            today - timedelta(days=1200),
            -20,
        ),
        (
            "officer4",
            CertificationKind.ENFORCEMENT,
            "基本级",
            today - timedelta(days=300),
            800,
        ),
    ]
    for username, kind, level, issued, days_left in plan:
        user = User.objects.filter(username=username).first()
        if user is not None:
            certification_record(
                user=user,
                kind=kind,
                level=level,
                issued_at=issued,
                expires_at=today + timedelta(days=days_left),
                source="demo",
            )
