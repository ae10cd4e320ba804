"""Drawing a paper from a blueprint (组卷).

Each row is filled at random from its pool, preferring questions the candidate has not
seen in earlier attempts. Parallel forms are balanced on mean difficulty: for every row
several random draws are tried and the one whose mean difficulty is nearest the pool's
mean is kept, so two candidates' papers are equally hard on average.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import AttemptQuestion, Blueprint, BlueprintRow, Question, QuestionVersion

POOL_TOO_SMALL = gettext_noop(
    "Blueprint row “{row}” needs {count} questions but the bank has only {available}."
)
DRAW_TRIES = 12


@dataclass(frozen=True)
class DrawnItem:
    version: QuestionVersion
    points: Decimal


def row_pool(row: BlueprintRow) -> list[tuple[int, int, int]]:
    """Return (question id, current version id, difficulty) for the row's pool."""
    qs = Question.objects.active().filter(qtype=row.qtype)
    if row.category_id:
        qs = qs.filter(category_id__in=row.category.subtree_ids())
    if row.difficulty:
        qs = qs.filter(difficulty=row.difficulty)
    return list(qs.values_list("pk", "current_version_id", "difficulty"))


def blueprint_check(blueprint: Blueprint) -> list[str]:
    """Return the problems that would stop a paper being drawn (empty when fine)."""
    problems = []
    for row in blueprint.rows.select_related("category"):
        available = len(row_pool(row))
        if available < row.count:
            problems.append(
                _(POOL_TOO_SMALL).format(row=row, count=row.count, available=available)
            )
    return problems


def _balanced_sample(
    pool: list[tuple[int, int, int]], count: int, target: float, rng: random.Random
) -> list[tuple[int, int, int]]:
    if count >= len(pool):
        return rng.sample(pool, len(pool))
    best, best_gap = None, None
    for _try in range(DRAW_TRIES):
        sample = rng.sample(pool, count)
        gap = abs(sum(d for _, _, d in sample) / count - target)
        if best_gap is None or gap < best_gap:
            best, best_gap = sample, gap
    return best or []


def paper_draw(
    *, blueprint: Blueprint, user, rng: random.Random | None = None
) -> list[DrawnItem]:
    """Return the questions (current versions) and points of a new paper for ``user``.

    Raises ValidationError when a row's pool is smaller than its count.
    """
    rng = rng or random.SystemRandom()
    if blueprint.mode == Blueprint.Mode.FIXED:
        items = blueprint.items.select_related("question__current_version")
        return [
            DrawnItem(i.question.current_version, i.points)
            for i in items
            if i.question.current_version_id
        ]
    seen = set(
        AttemptQuestion.objects.filter(attempt__user=user).values_list(
            "version__question_id", flat=True
        )
    )
    drawn: list[DrawnItem] = []
    taken: set[int] = set()
    versions: dict[int, tuple[int, Decimal]] = {}
    for row in blueprint.rows.select_related("category"):
        pool = [p for p in row_pool(row) if p[0] not in taken]
        if len(pool) < row.count:
            raise ValidationError(
                _(POOL_TOO_SMALL).format(row=row, count=row.count, available=len(pool))
            )
        target = sum(d for _, _, d in pool) / len(pool)
        fresh = [p for p in pool if p[0] not in seen]
        if len(fresh) >= row.count:
            chosen = _balanced_sample(fresh, row.count, target, rng)
        else:
            # Not enough unseen questions: take every unseen one, top up from the seen.
            stale = [p for p in pool if p[0] in seen]
            chosen = fresh + _balanced_sample(
                stale, row.count - len(fresh), target, rng
            )
        for qid, vid, _d in chosen:
            taken.add(qid)
            versions[len(versions)] = (vid, row.points)
    by_id = QuestionVersion.objects.in_bulk([vid for vid, _ in versions.values()])
    for i in range(len(versions)):
        vid, points = versions[i]
        drawn.append(DrawnItem(by_id[vid], points))
    return drawn
