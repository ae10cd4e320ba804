"""Demo data for 执法考评: a year of plausible enforcement problems at the demo stations
(more in 受案立案 and 证据收集), the training mapped to each category, cases handled, an
approved scheme and the past months frozen, so the pages show something real. Runs after
the training history (see ``courses.demo.STEPS``); idempotent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleAssignment, Unit, User
from casebank.models import CaseVolume, EnforcementProblem, ProblemRemediation
from casebank.services import problem_record
from records.models import Assignment, AssignmentStatus

from .evaluation import DEFAULT_INDICATORS
from .evaluation_services import evaluation_freeze, scheme_approve, scheme_create
from .models import CoursePage, EvaluationScheme, EvaluationSnapshot
from .remediation import problem_training_rule_save

DEMO_CAMPAIGN = "演示：年度执法质量考评"
STATIONS = ["37010101", "37010102", "37010201", "37010202"]
# category: (relative frequency, descriptions)
CATEGORIES: dict[str, tuple[int, list[str]]] = {
    "acceptance": (
        6,
        ["接报警情后未及时受案登记", "有案不立，以调解代替立案", "受案回执未交报案人"],
    ),
    "evidence": (
        5,
        [
            "讯问笔录未记载告知犯罪嫌疑人诉讼权利",
            "现场勘验未全程录音录像",
            "物证提取未制作提取笔录",
        ],
    ),
    "coercive": (2, ["传唤超过法定时限", "拘留后未在二十四小时内通知家属"]),
    "property": (2, ["扣押物品未随案移交涉案财物管理中心", "扣押清单未由持有人签名"]),
    "law_application": (1, ["定性错误，盗窃认定为诈骗"]),
    "procedure": (2, ["行政处罚未告知陈述申辩权利", "延长羁押期限未经审批"]),
    "documents": (2, ["法律文书文号错误", "询问笔录无被询问人逐页签名"]),
}
RULES = {
    "acceptance": (["shouan-lian-guifan"], "受案立案"),
    "evidence": (["dianxin-zhapian-banli"], "证据, 取证"),
    "coercive": (["renquan-baozhang"], "强制措施"),
    "procedure": (["renquan-baozhang", "shouan-lian-guifan"], "执法程序"),
    "documents": (["shouan-lian-guifan"], "法律文书"),
}


def _course(slug: str) -> CoursePage | None:
    return CoursePage.objects.filter(slug=slug).first()


def _second_admin() -> User:
    user = User.objects.filter(username="sysadmin2").first()
    if user is None:
        user = User.objects.create_user(
            username="sysadmin2",
            full_name="钱文涛",
            police_number="100004",
            unit=Unit.objects.filter(code="370100").first(),
            position="科技信息化支队系统管理员（考评复核）",
        )
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.SYSTEM_ADMIN)
    return user


@transaction.atomic
def seed(command: Any = None) -> None:
    """Seed the evaluation demo (skipped when the demo campaign's problems exist)."""
    sysadmin = User.objects.filter(username="sysadmin").first()
    trainer = User.objects.filter(username="trainer1").first()
    if sysadmin is None or trainer is None:
        return
    today = timezone.localdate()
    year = today.year
    for category, (slugs, tags) in RULES.items():
        courses = [c for c in (_course(s) for s in slugs) if c is not None]
        problem_training_rule_save(
            editor=trainer, category=category, courses=courses, question_tags=tags
        )
    if not EvaluationScheme.objects.filter(year=year).exists():
        scheme = scheme_create(
            author=sysadmin,
            year=year,
            indicators=dict(DEFAULT_INDICATORS),
            note="演示方案：按默认权重",
        )
        scheme_approve(approver=_second_admin(), scheme=scheme)
    rng = random.Random(19)  # noqa: S311 - demo data, not a secret
    created = 0
    if not EnforcementProblem.objects.filter(campaign=DEMO_CAMPAIGN).exists():
        legal = {
            "370101": User.objects.filter(username="legal1").first(),
            "370102": User.objects.filter(username="legal2").first(),
        }
        weights = [w for w, _d in CATEGORIES.values()]
        for code in STATIONS:
            unit = Unit.objects.get(code=code)
            CaseVolume.objects.get_or_create(
                unit=unit, year=year, defaults={"cases_handled": rng.randint(700, 1600)}
            )
            officers = list(
                User.objects.filter(unit=unit, role_assignments__role=Role.OFFICER)
            )
            recorder = legal.get(code[:6]) or sysadmin
            for _n in range(rng.randint(6, 11)):
                category = rng.choices(list(CATEGORIES), weights)[0]
                found_on = today - dt.timedelta(days=rng.randint(3, 320))
                if found_on.year != year:
                    found_on = dt.date(year, 1, rng.randint(5, 28))
                person = (
                    rng.choice(officers) if officers and rng.random() < 0.75 else None
                )
                problem = problem_record(
                    recorder=recorder,
                    unit=unit,
                    person=person,
                    category=category,
                    severity=rng.choices(["minor", "serious", "grave"], [6, 3, 1])[0],
                    description=rng.choice(CATEGORIES[category][1]),
                    found_on=found_on,
                    case_reference=f"{unit.code[-4:]}{year}{rng.randint(100, 999)}号",
                    source="inspection" if rng.random() < 0.4 else "review",
                    campaign=DEMO_CAMPAIGN,
                )
                created += 1
                _age(problem, found_on, rng, today)
    frozen = 0
    for month in range(1, today.month):
        period = f"{year}-{month:02d}"
        if not EvaluationSnapshot.objects.filter(period=period).exists():
            evaluation_freeze(by=sysadmin, period=period, today=today)
            frozen += 1
    if command is not None:
        command.stdout.write(f"  执法问题: {created}, 固化月份: {frozen}")


def _age(problem: EnforcementProblem, found_on: dt.date, rng, today: dt.date) -> None:
    """Date the problem and its training as if recorded when found; most people finish
    the course, most of them on time."""
    recorded = timezone.make_aware(dt.datetime.combine(found_on, dt.time(16, 0)))
    due = recorded + dt.timedelta(days=30)
    EnforcementProblem.objects.filter(pk=problem.pk).update(recorded_at=recorded)
    links = ProblemRemediation.objects.filter(problem=problem)
    links.update(due_at=due)
    for link in links.select_related("assignment"):
        assignment = link.assignment
        if assignment.status == AssignmentStatus.COMPLETED:
            continue
        days = rng.randint(3, 36)
        finished = found_on + dt.timedelta(days=days)
        if finished >= today or rng.random() < 0.15:
            Assignment.objects.filter(pk=assignment.pk).update(due_at=due)
            continue
        Assignment.objects.filter(pk=assignment.pk).update(
            status=AssignmentStatus.COMPLETED,
            progress=1.0,
            due_at=due,
            completed_at=timezone.make_aware(
                dt.datetime.combine(finished, dt.time(10, 0))
            ),
            score=Decimal(100),
            passed=True,
        )
