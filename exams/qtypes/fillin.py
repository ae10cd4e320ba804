"""Fill in the blank: one list of accepted answers per blank."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .. import scoring
from .base import QuestionTypeHandler
from .choice import stem_problems
from .codes import QuestionType

BLANK_SPLIT = re.compile(r"[；;\n]+")
MAX_BLANK = 200


def blanks_from_text(text: str) -> list[list[str]]:
    """``24小时|二十四小时；48`` → ``[["24小时", "二十四小时"], ["48"]]``."""
    return [
        [alt.strip() for alt in blank.split("|") if alt.strip()]
        for blank in BLANK_SPLIT.split(str(text))
        if blank.strip()
    ]


class FillIn(QuestionTypeHandler):
    code = QuestionType.FILL_IN
    label = QuestionType.FILL_IN.label
    shape = "blanks"
    import_names = ("填空", "填空题", "fillin")

    def validate(self, content: dict[str, Any]) -> list[str]:
        errors = stem_problems(content)
        answer = content.get("answer") or []
        if not answer or not all(isinstance(a, list) and a for a in answer):
            errors.append(_("Each blank needs at least one accepted answer."))
        return errors

    def blanks(self, version: Any) -> int:
        return max(1, len(version.answer))

    def shuffle(self, version: Any, rng: random.Random) -> list[str]:
        return []

    def clean_response(self, version: Any, option_order: Any, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        values = value if isinstance(value, list) else [value]
        if len(values) > self.blanks(version) or not all(
            isinstance(v, str) and len(v) <= MAX_BLANK for v in values
        ):
            raise ValueError
        return values

    def display_response(self, response: Any, option_order: Any) -> Any:
        return response if isinstance(response, list) else []

    def score(
        self, *, version: Any, points: Decimal, response: Any, rule: str
    ) -> tuple[Decimal, bool]:
        fraction = scoring.fill_in_fraction(answer=version.answer, response=response)
        return scoring.quantize(points * fraction), False

    def candidate_item(
        self, *, version: Any, option_order: Any, response: Any, points: Decimal
    ) -> dict[str, Any]:
        given = response if isinstance(response, list) else []
        return {
            "blanks": [
                given[i] if i < len(given) else "" for i in range(self.blanks(version))
            ]
        }

    def review_item(
        self, item: dict[str, Any], *, version: Any, option_order: Any
    ) -> None:
        item["correct_text"] = self.answer_text(version, option_order)

    def answer_text(self, version: Any, option_order: Any) -> str:
        return " / ".join("、".join(a) for a in version.answer)

    def parse_cells(self, cells: dict[str, str], content: dict[str, Any]) -> list[str]:
        content["answer"] = blanks_from_text(cells.get("答案", ""))
        return []

    def answer_cell(self, version: Any) -> str:
        return "；".join("|".join(alts) for alts in version.answer)

    def option_cells(self, version: Any) -> list[str]:
        return [""] * 6

    def editor_initial(self, version: Any) -> dict[str, Any]:
        return {"stem": version.stem, "answer": self.answer_cell(version)}

    def editor_content(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "stem": data.get("stem", ""),
            "material": "",
            "options": [],
            "answer": blanks_from_text(data.get("answer", "")),
            "parts": [],
        }
