"""Scoring of objective responses. Pure functions: content in, fraction of the item out."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import CHOICE_TYPES, MULTI_SELECT_TYPES, ExamSession, QuestionType

Scoring = ExamSession.MultipleScoring


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


def choice_fraction(
    *,
    qtype: str,
    options: list[dict],
    answer: list[str],
    response: Any,
    rule: str = Scoring.PARTIAL,
) -> Decimal:
    """Return the fraction (0..1) earned by ``response`` on a choice question."""
    chosen = as_keys(response)
    correct = set(answer)
    if qtype not in MULTI_SELECT_TYPES:
        return Decimal(1) if chosen and chosen == correct else Decimal(0)
    if not chosen:
        return Decimal(0)
    if chosen == correct:
        return Decimal(1)
    if rule == Scoring.ALL_OR_NOTHING:
        return Decimal(0)
    if rule == Scoring.PARTIAL:
        # 少选得部分分，错选不得分.
        if chosen - correct or not correct:
            return Decimal(0)
        return Decimal(len(chosen)) / Decimal(len(correct))
    # Per option: each option judged right (selected and correct, or left out and wrong).
    keys = {o["key"] for o in options}
    right = sum(1 for k in keys if (k in chosen) == (k in correct))
    return Decimal(right) / Decimal(len(keys) or 1)


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
    """Return (objective score, needs_marking) for one slot.

    For a case, objective parts are scored here and essay parts are left to markers; the
    slot's points are shared among parts in proportion to their weights.
    """
    if qtype in CHOICE_TYPES:
        fraction = choice_fraction(
            qtype=qtype,
            options=version.options,
            answer=version.answer,
            response=response,
            rule=rule,
        )
        return quantize(points * fraction), False
    if qtype == QuestionType.FILL_IN:
        return quantize(
            points * fill_in_fraction(answer=version.answer, response=response)
        ), False
    # Case analysis.
    total_weight = version.max_weight or Decimal(1)
    responses = response if isinstance(response, dict) else {}
    earned = Decimal(0)
    needs_marking = False
    for part in version.parts:
        weight = Decimal(str(part.get("weight", 1)))
        if part.get("kind") == "essay":
            needs_marking = True
            continue
        kind = (
            QuestionType.MULTIPLE
            if part.get("kind") == "multiple"
            else QuestionType.SINGLE
        )
        fraction = choice_fraction(
            qtype=kind,
            options=part.get("options", []),
            answer=part.get("answer", []),
            response=responses.get(part["key"]),
            rule=rule,
        )
        earned += weight * fraction
    return quantize(points * earned / total_weight), needs_marking


def essay_points_to_slot(*, version: Any, points: Decimal, marked: Decimal) -> Decimal:
    """Scale a marker's raw rubric points (in part-weight units) to the slot's points."""
    total_weight = version.max_weight or Decimal(1)
    return quantize(points * marked / total_weight)


def essay_max(version: Any) -> Decimal:
    """The raw points available to markers (sum of essay part weights)."""
    return sum(
        (
            Decimal(str(p.get("weight", 1)))
            for p in version.parts
            if p.get("kind") == "essay"
        ),
        Decimal(0),
    )
