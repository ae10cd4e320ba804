"""Scoring arithmetic shared by the question types (``exams.qtypes``). Pure functions:
content in, fraction of the item out; nothing here knows a question type."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# The multiple-choice scoring rules (``ExamSession.MultipleScoring`` values).
ALL_OR_NOTHING = "all"
PARTIAL = "partial"
PER_OPTION = "per_option"


def normalise_text(value: str) -> str:
    """Fold full-width forms, case and whitespace so '１２ 小时' matches '12小时'."""
    value = unicodedata.normalize("NFKC", str(value)).lower()
    return re.sub(r"[\s。．.，,；;]+", "", value)


def as_keys(response: Any) -> set[str]:
    if response is None:
        return set()
    if isinstance(response, str):
        return {response} if response else set()
    if isinstance(response, list | tuple):
        return {str(r) for r in response if r}
    return set()


def choice_keys_fraction(
    *,
    multi: bool,
    options: list[dict],
    answer: list[str],
    response: Any,
    rule: str = PARTIAL,
) -> Decimal:
    """Return the fraction (0..1) earned by ``response`` on a choice question whose key
    has one option (``multi`` False: exact match) or several (the session's ``rule``)."""
    chosen = as_keys(response)
    correct = set(answer)
    if not multi:
        return Decimal(1) if chosen and chosen == correct else Decimal(0)
    if not chosen:
        return Decimal(0)
    if chosen == correct:
        return Decimal(1)
    if rule == ALL_OR_NOTHING:
        return Decimal(0)
    if rule == PARTIAL:
        # 少选得部分分，错选不得分.
        if chosen - correct or not correct:
            return Decimal(0)
        return Decimal(len(chosen)) / Decimal(len(correct))
    # Per option: each option judged right (selected and correct, or left out and wrong).
    keys = {o["key"] for o in options}
    right = sum(1 for k in keys if (k in chosen) == (k in correct))
    return Decimal(right) / Decimal(len(keys) or 1)


def choice_fraction(
    *,
    qtype: str,
    options: list[dict],
    answer: list[str],
    response: Any,
    rule: str = PARTIAL,
) -> Decimal:
    """``choice_keys_fraction`` for a choice type named by its code."""
    from . import qtypes

    return choice_keys_fraction(
        multi=qtypes.get(qtype).multi,
        options=options,
        answer=answer,
        response=response,
        rule=rule,
    )


def fill_in_fraction(*, answer: list[list[str]], response: Any) -> Decimal:
    """Each blank earns an equal share when it matches one of its accepted answers."""
    if not answer:
        return Decimal(0)
    given = response if isinstance(response, list) else [response]
    right = 0
    for i, accepted in enumerate(answer):
        value = given[i] if i < len(given) else ""
        if value and normalise_text(value) in {normalise_text(a) for a in accepted}:
            right += 1
    return Decimal(right) / Decimal(len(answer))


def quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_slot(
    *, version: Any, qtype: str, points: Decimal, response: Any, rule: str
) -> tuple[Decimal, bool]:
    """Return (objective score, needs_marking) for one slot: its type's handler decides."""
    from . import qtypes

    return qtypes.get(qtype).score(
        version=version, points=points, response=response, rule=rule
    )


def essay_points_to_slot(*, version: Any, points: Decimal, marked: Decimal) -> Decimal:
    """Scale a marker's raw rubric points (in part-weight units) to the slot's points."""
    total_weight = version.max_weight or Decimal(1)
    return quantize(points * marked / total_weight)
