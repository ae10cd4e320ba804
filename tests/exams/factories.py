"""Factories for the question bank and exam sessions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exams.models import Blueprint, BlueprintRow, ExamSession, QuestionType
from exams.services import category_get_or_create, question_create

CANARY = "CANARY-KEY-7f3a9c"


def make_question(
    *, category=None, qtype=QuestionType.SINGLE, difficulty=3, canary=CANARY, n=0
):
    """A valid question of ``qtype``; the canary is planted in the analysis (and rubric)."""
    category = category or category_get_or_create(subject="刑法", topic="财产犯罪")
    analysis = f"{canary} 解析{n}"
    if qtype in (
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.INDETERMINATE,
    ):
        content = {
            "stem": f"第{n}题 题干",
            "options": [{"key": k, "text": f"选项{k}{n}"} for k in "ABCD"],
            "answer": ["A", "C"] if qtype != QuestionType.SINGLE else ["B"],
            "analysis": analysis,
        }
    elif qtype == QuestionType.TRUE_FALSE:
        content = {
            "stem": f"判断{n}",
            "options": [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
            "answer": ["T"],
            "analysis": analysis,
        }
    elif qtype == QuestionType.FILL_IN:
        content = {
            "stem": f"填空{n}：____",
            "answer": [[f"{canary}答案", "二十四小时"]],
            "analysis": analysis,
        }
    else:
        content = {
            "stem": "阅读案例材料，回答下列问题。",
            "material": f"案例材料{n}",
            "analysis": analysis,
            "parts": [
                {
                    "key": "1",
                    "kind": "single",
                    "stem": "定性",
                    "weight": 2,
                    "options": [
                        {"key": "A", "text": "盗窃罪"},
                        {"key": "B", "text": "诈骗罪"},
                    ],
                    "answer": ["A"],
                },
                {
                    "key": "2",
                    "kind": "essay",
                    "stem": "说明理由",
                    "weight": 4,
                    "rubric": [
                        {"text": f"{canary}要点一", "points": 2},
                        {"text": "要点二", "points": 2},
                    ],
                },
            ],
        }
    return question_create(
        category=category, qtype=qtype, content=content, difficulty=difficulty
    )


def make_blueprint(*, rows, name="测试蓝图"):
    """rows: [(category, qtype, count, points)]."""
    blueprint = Blueprint.objects.create(name=name)
    for i, (category, qtype, count, points) in enumerate(rows):
        BlueprintRow.objects.create(
            blueprint=blueprint,
            category=category,
            qtype=qtype,
            count=count,
            points=Decimal(points),
            sort_order=i,
        )
    return blueprint


def make_session(*, blueprint, people=(), units=(), minutes=30, **kwargs):
    now = timezone.now()
    defaults = {
        "title": "执法资格考试（测试）",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(hours=3),
        "time_limit_minutes": minutes,
    }
    defaults.update(kwargs)
    session = ExamSession.objects.create(blueprint=blueprint, **defaults)
    session.audience_people.set(people)
    session.audience_units.set(units)
    return session


def standard_bank(n_each=4):
    """A small bank: n_each questions of every type in one topic; return the category."""
    category = category_get_or_create(subject="刑法", topic="财产犯罪")
    i = 0
    for qtype in QuestionType.values:
        for d in range(n_each):
            i += 1
            make_question(category=category, qtype=qtype, difficulty=1 + d % 5, n=i)
    return category
