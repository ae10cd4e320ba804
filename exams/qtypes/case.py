"""Case analysis (案例分析): case material with sub-questions (parts).

Each part is ``{"key", "kind": single|multiple|essay, "stem", "options", "answer",
"weight", "rubric": [{"text", "points"}], "analysis"}``. A part's weight is its *share*
of the question: on a paper the slot's points are divided among the parts in proportion
to their weights, so a 10-point question with parts weighted 2 and 3 gives 4 and 6
points. An essay part's weight is the sum of its rubric points (markers score in those
units; ``scoring.essay_points_to_slot`` scales them to the slot).
"""

from __future__ import annotations

import random
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import scoring
from .base import (
    QuestionTypeHandler,
    display_options,
    display_to_keys,
    keys_to_display,
)
from .choice import letters, options_from_cells, options_from_lines
from .codes import QuestionType

ESSAY = "essay"
PART_KINDS = ("single", "multiple", ESSAY)
PART_KIND_CHOICES = [
    ("single", gettext_lazy("Single choice")),
    ("multiple", gettext_lazy("Multiple choice")),
    (ESSAY, gettext_lazy("Written answer (rubric)")),
]
# The spreadsheet's 题型 of the rows under a 案例分析 row.
PART_NAMES = {"案例单选": "single", "案例多选": "multiple", "案例主观": ESSAY}
PART_LABEL = {kind: name for name, kind in PART_NAMES.items()}
CASE_STEM = "阅读案例材料，回答下列问题。"
DEFAULT_PART_WEIGHT = Decimal(2)
MAX_ESSAY = 10_000
RUBRIC_SPLIT = re.compile(r"[；;\n]+")
RUBRIC_ITEM = re.compile(
    r"^(?P<text>.+?)[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]\s*$"
)
BAD_RUBRIC = (
    "a subjective sub-question needs its rubric in 答案, e.g. 要点（3分）；要点（2分）"
)


def weight(part: dict[str, Any]) -> Decimal:
    return Decimal(str(part.get("weight", 1)))


def parse_rubric(text: str) -> list[dict[str, Any]] | None:
    """``要点（3分）；要点（2分）`` → rubric items; None when a piece has no points."""
    items = []
    for piece in RUBRIC_SPLIT.split(str(text)):
        piece = piece.strip()
        if not piece:
            continue
        match = RUBRIC_ITEM.match(piece)
        if not match:
            return None
        items.append({"text": match["text"].strip(), "points": float(match["points"])})
    return items or None


def rubric_text(rubric: list[dict[str, Any]], sep: str = "；") -> str:
    return sep.join(f"{r['text']}（{float(r['points']):g}分）" for r in rubric)


def share(points: Decimal, part_weight: Decimal, total: Decimal) -> Decimal:
    """A part's points on a paper: its weight's share of the slot's points."""
    if not total:
        return Decimal(0)
    return scoring.quantize(points * part_weight / total)


class CaseAnalysis(QuestionTypeHandler):
    code = QuestionType.CASE
    label = QuestionType.CASE.label
    shape = "parts"
    import_names = ("案例分析", "案例分析题", "case")
    part_names = PART_NAMES
    part_kinds = PART_KIND_CHOICES

    def validate(self, content: dict[str, Any]) -> list[str]:
        errors = []
        if not str(content.get("stem", "")).strip():
            errors.append(_("The stem is empty."))
        parts = content.get("parts") or []
        if not parts:
            errors.append(_("A case analysis needs at least one sub-question."))
        for part in parts:
            if part.get("kind") == ESSAY:
                total = sum(
                    Decimal(str(r.get("points", 0))) for r in part.get("rubric", [])
                )
                if not part.get("rubric") or total != weight(part):
                    errors.append(
                        _(
                            "Sub-question {key}: the rubric points must add up to its weight."
                        ).format(key=part.get("key"))
                    )
            elif not part.get("answer"):
                errors.append(
                    _("Sub-question {key}: the answer is missing.").format(
                        key=part.get("key")
                    )
                )
        return errors

    def max_weight(self, version: Any) -> Decimal:
        return sum((weight(p) for p in version.parts), Decimal(0))

    def essay_max(self, version: Any) -> Decimal:
        """The raw points available to markers (sum of essay part weights)."""
        return sum(
            (weight(p) for p in version.parts if p.get("kind") == ESSAY), Decimal(0)
        )

    def essay_parts(self, version: Any, response: Any) -> list[dict[str, Any]]:
        """What a marker scores: each essay part with the candidate's text."""
        given = response if isinstance(response, dict) else {}
        return [
            {
                "key": p["key"],
                "stem": p.get("stem", ""),
                "text": given.get(p["key"], ""),
                "rubric": p.get("rubric", []),
                "analysis": p.get("analysis", ""),
                "weight": weight(p),
            }
            for p in version.parts
            if p.get("kind") == ESSAY
        ]

    def needs_marking(self, version: Any) -> bool:
        return any(p.get("kind") == ESSAY for p in version.parts)

    def essay_is_empty(self, version: Any, response: Any) -> bool:
        given = response if isinstance(response, dict) else {}
        return not any(
            str(given.get(p["key"], "")).strip()
            for p in version.parts
            if p.get("kind") == ESSAY
        )

    def shuffle(self, version: Any, rng: random.Random) -> dict[str, list[str]]:
        order = {}
        for part in version.parts:
            keys = [o["key"] for o in part.get("options", [])]
            rng.shuffle(keys)
            order[part["key"]] = keys
        return order

    def clean_response(self, version: Any, option_order: Any, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        if not isinstance(value, dict):
            raise ValueError
        parts = {p["key"]: p for p in version.parts}
        cleaned = {}
        for key, part_value in value.items():
            part = parts.get(key)
            if part is None:
                raise ValueError
            if part.get("kind") == ESSAY:
                if not isinstance(part_value, str) or len(part_value) > MAX_ESSAY:
                    raise ValueError
                cleaned[key] = part_value
            elif part_value not in (None, "", []):
                keys = display_to_keys(option_order.get(key, []), part_value)
                if part.get("kind") != "multiple" and len(keys) > 1:
                    raise ValueError
                cleaned[key] = keys
        return cleaned

    def display_response(self, response: Any, option_order: Any) -> Any:
        if not isinstance(response, dict):
            return None
        return {
            part: text
            if isinstance(text, str)
            else keys_to_display(option_order.get(part, []), text)
            for part, text in response.items()
        }

    def score(
        self, *, version: Any, points: Decimal, response: Any, rule: str
    ) -> tuple[Decimal, bool]:
        """Objective parts scored here, essay parts left to markers; the slot's points
        are shared among parts in proportion to their weights."""
        total = self.max_weight(version) or Decimal(1)
        given = response if isinstance(response, dict) else {}
        earned = Decimal(0)
        needs = False
        for part in version.parts:
            if part.get("kind") == ESSAY:
                needs = True
                continue
            fraction = scoring.choice_keys_fraction(
                multi=part.get("kind") == "multiple",
                options=part.get("options", []),
                answer=part.get("answer", []),
                response=given.get(part["key"]),
                rule=rule,
            )
            earned += weight(part) * fraction
        return scoring.quantize(points * earned / total), needs

    def candidate_item(
        self, *, version: Any, option_order: Any, response: Any, points: Decimal
    ) -> dict[str, Any]:
        given = response if isinstance(response, dict) else {}
        total = self.max_weight(version)
        parts = []
        for part in version.parts:
            entry: dict[str, Any] = {
                "key": part["key"],
                "kind": part.get("kind"),
                "written": part.get("kind") == ESSAY,
                "stem": part.get("stem", ""),
                "weight": part.get("weight"),
                # What the part is worth on this paper (a share of the slot's points).
                "points": share(points, weight(part), total),
            }
            if part.get("kind") == ESSAY:
                entry["text"] = given.get(part["key"], "")
            else:
                order = option_order.get(part["key"], [])
                entry["options"] = display_options(part.get("options", []), order)
                entry["selected"] = keys_to_display(order, given.get(part["key"]))
                entry["multi"] = part.get("kind") == "multiple"
            parts.append(entry)
        return {"parts": parts}

    def review_item(
        self, item: dict[str, Any], *, version: Any, option_order: Any
    ) -> None:
        for part, source in zip(item["parts"], version.parts, strict=True):
            if source.get("kind") == ESSAY:
                part["rubric"] = source.get("rubric", [])
            else:
                part["correct"] = keys_to_display(
                    option_order.get(source["key"], []), source.get("answer")
                )

    def answer_text(self, version: Any, option_order: Any) -> str:
        lines = []
        for part in version.parts:
            if part.get("kind") == ESSAY:
                rubric = "; ".join(
                    f"{r.get('text', '')} ({r.get('points', '')})"
                    for r in part.get("rubric", [])
                )
                lines.append(f"({part['key']}) {rubric}")
            else:
                order = option_order.get(part["key"], [])
                lines.append(
                    f"({part['key']}) {'、'.join(keys_to_display(order, part.get('answer')))}"
                )
        return " ".join(lines)

    # Spreadsheet ----------------------------------------------------------------
    def parse_cells(self, cells: dict[str, str], content: dict[str, Any]) -> list[str]:
        content["material"] = cells.get("题干", "")
        content["stem"] = CASE_STEM
        return []

    def parse_part(
        self, cells: dict[str, str], index: int
    ) -> tuple[dict[str, Any], list[str]]:
        """One sub-question row (题型 案例单选, 案例多选 or 案例主观)."""
        kind = PART_NAMES[cells["题型"]]
        part: dict[str, Any] = {
            "key": str(index),
            "kind": kind,
            "stem": cells.get("题干", ""),
        }
        if kind == ESSAY:
            rubric = parse_rubric(cells.get("答案", ""))
            if rubric is None:
                return part, [_(BAD_RUBRIC)]
            part["rubric"] = rubric
            part["weight"] = sum(r["points"] for r in rubric)
            part["analysis"] = cells.get("解析", "")
        else:
            part["options"] = options_from_cells(cells)
            part["answer"] = letters(cells.get("答案", ""))
            part["weight"] = float(DEFAULT_PART_WEIGHT)
        return part, []

    def answer_cell(self, version: Any) -> str:
        return ""

    def stem_cell(self, version: Any) -> str:
        return version.material

    def export_rows(self, version: Any, row: list[str]) -> list[list[str]]:
        rows = [row]
        for part in version.parts:
            options = {o["key"]: o["text"] for o in part.get("options", [])}
            if part.get("kind") == ESSAY:
                answer = rubric_text(part.get("rubric", []))
            else:
                answer = "".join(part.get("answer", []))
            rows.append(
                [
                    PART_LABEL[part.get("kind", "single")],
                    part.get("stem", ""),
                    *[options.get(k, "") for k in "ABCDEF"],
                    answer,
                    part.get("analysis", ""),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        return rows

    # Editor ---------------------------------------------------------------------
    def editor_initial(self, version: Any) -> dict[str, Any]:
        return {"stem": version.material}

    def part_initial(self, part: dict[str, Any]) -> dict[str, Any]:
        """A part as the editor's sub-question form shows it."""
        return {
            "kind": part.get("kind", "single"),
            "stem": part.get("stem", ""),
            "options": "\n".join(o["text"] for o in part.get("options", [])),
            "answer": "".join(part.get("answer", [])),
            "weight": part.get("weight", ""),
            "rubric": rubric_text(part.get("rubric", []), sep="\n"),
            "analysis": part.get("analysis", ""),
        }

    def part_from_form(self, data: dict[str, Any], index: int) -> dict[str, Any]:
        """A part from the editor's sub-question form: an essay's weight is its rubric
        total, a choice part's weight is the share given (default 2, as on import)."""
        kind = data.get("kind") if data.get("kind") in PART_KINDS else "single"
        part: dict[str, Any] = {
            "key": str(index),
            "kind": kind,
            "stem": data.get("stem", ""),
        }
        if kind == ESSAY:
            rubric = parse_rubric(data.get("rubric", "")) or []
            part["rubric"] = rubric
            part["weight"] = sum(r["points"] for r in rubric)
        else:
            part["options"] = options_from_lines(data.get("options", ""))
            part["answer"] = letters(data.get("answer", ""))
            try:
                part["weight"] = float(
                    Decimal(str(data.get("weight") or DEFAULT_PART_WEIGHT))
                )
            except InvalidOperation:
                part["weight"] = float(DEFAULT_PART_WEIGHT)
        if data.get("analysis"):
            part["analysis"] = data["analysis"]
        return part

    def editor_content(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "stem": CASE_STEM,
            "material": data.get("stem", ""),
            "options": [],
            "answer": [],
            "parts": list(data.get("parts") or []),
        }
