"""Choice types: single, multiple, true/false and indeterminate (不定项)."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .. import scoring
from .base import (
    OPTION_KEYS,
    QuestionTypeHandler,
    as_keys,
    display_options,
    display_to_keys,
    keys_to_display,
)
from .codes import QuestionType

TRUE_WORDS = {"对", "正确", "√", "T", "TRUE", "是", "Y"}
FALSE_WORDS = {"错", "错误", "×", "X", "F", "FALSE", "否", "N"}
TF_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
BAD_TF = "a true/false answer must be 对 or 错"


def letters(value: str) -> list[str]:
    """``ABD``, ``A,B,D`` or ``a、b`` → ``["A", "B", "D"]``."""
    return sorted(set(re.sub(r"[\s,，、;；]", "", str(value).upper())))


def options_from_cells(cells: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"key": k, "text": cells[f"选项{k}"]}
        for k in OPTION_KEYS
        if cells.get(f"选项{k}")
    ]


def options_from_lines(text: str) -> list[dict[str, str]]:
    lines = [x.strip() for x in str(text).splitlines() if x.strip()]
    return [{"key": k, "text": t} for k, t in zip(OPTION_KEYS, lines, strict=False)]


def choice_problems(
    options: list[dict], answer: list[str], *, multi: bool, at_least_two: bool
) -> list[str]:
    """The problems of a choice's options and key (shared with case sub-questions)."""
    errors = []
    keys = [o.get("key") for o in options]
    if len(options) < 2:
        errors.append(_("A choice question needs at least two options."))
    if not answer:
        errors.append(_("The answer is missing."))
    elif any(a not in keys for a in answer):
        errors.append(_("The answer names an option that does not exist."))
    elif not multi and len(answer) != 1:
        errors.append(
            _("A single-choice or true/false question has exactly one answer.")
        )
    elif at_least_two and len(answer) < 2:
        errors.append(_("A multiple-choice question has at least two correct options."))
    return errors


def stem_problems(content: dict[str, Any]) -> list[str]:
    if not str(content.get("stem", "")).strip():
        return [_("The stem is empty.")]
    return []


class ChoiceType(QuestionTypeHandler):
    """Options with a key of one (``multi`` False) or several option keys."""

    shuffles = True
    at_least_two = False

    def validate(self, content: dict[str, Any]) -> list[str]:
        return stem_problems(content) + choice_problems(
            content.get("options") or [],
            content.get("answer") or [],
            multi=self.multi,
            at_least_two=self.at_least_two,
        )

    def shuffle(self, version: Any, rng: random.Random) -> list[str]:
        keys = [o["key"] for o in version.options]
        if self.shuffles:
            rng.shuffle(keys)
        return keys

    def clean_response(self, version: Any, option_order: Any, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        keys = display_to_keys(option_order, value)
        if not self.multi and len(keys) > 1:
            raise ValueError
        return keys

    def display_response(self, response: Any, option_order: Any) -> Any:
        return keys_to_display(option_order, response)

    def score(
        self, *, version: Any, points: Decimal, response: Any, rule: str
    ) -> tuple[Decimal, bool]:
        fraction = scoring.choice_keys_fraction(
            multi=self.multi,
            options=version.options,
            answer=version.answer,
            response=response,
            rule=rule,
        )
        return scoring.quantize(points * fraction), False

    def candidate_item(
        self, *, version: Any, option_order: Any, response: Any, points: Decimal
    ) -> dict[str, Any]:
        return {
            "options": display_options(version.options, option_order),
            "selected": keys_to_display(option_order, response),
        }

    def review_item(
        self, item: dict[str, Any], *, version: Any, option_order: Any
    ) -> None:
        item["correct"] = keys_to_display(option_order, version.answer)

    def answer_text(self, version: Any, option_order: Any) -> str:
        return "、".join(keys_to_display(option_order, version.answer))

    def parse_cells(self, cells: dict[str, str], content: dict[str, Any]) -> list[str]:
        content["options"] = options_from_cells(cells)
        content["answer"] = letters(cells.get("答案", ""))
        return []

    def answer_cell(self, version: Any) -> str:
        return "".join(version.answer)

    def editor_initial(self, version: Any) -> dict[str, Any]:
        return {
            "stem": version.stem,
            "options": "\n".join(o["text"] for o in version.options),
            "answer": self.answer_cell(version),
        }

    def editor_content(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "stem": data.get("stem", ""),
            "material": "",
            "options": options_from_lines(data.get("options", "")),
            "answer": letters(data.get("answer", "")),
            "parts": [],
        }


class SingleChoice(ChoiceType):
    code = QuestionType.SINGLE
    label = QuestionType.SINGLE.label
    import_names = ("单选", "单选题", "单项选择题", "single")


class MultipleChoice(ChoiceType):
    code = QuestionType.MULTIPLE
    label = QuestionType.MULTIPLE.label
    multi = True
    at_least_two = True
    import_names = ("多选", "多选题", "多项选择题", "multiple")


class IndeterminateChoice(ChoiceType):
    code = QuestionType.INDETERMINATE
    label = QuestionType.INDETERMINATE.label
    multi = True
    import_names = ("不定项", "不定项选择", "不定项选择题", "indeterminate")


class TrueFalse(ChoiceType):
    code = QuestionType.TRUE_FALSE
    label = QuestionType.TRUE_FALSE.label
    shuffles = False  # 正确 stays before 错误
    import_names = ("判断", "判断题", "truefalse")

    def parse_cells(self, cells: dict[str, str], content: dict[str, Any]) -> list[str]:
        content["options"] = TF_OPTIONS
        word = cells.get("答案", "").strip().upper()
        if word in TRUE_WORDS:
            content["answer"] = ["T"]
        elif word in FALSE_WORDS:
            content["answer"] = ["F"]
        else:
            return [_(BAD_TF)]
        return []

    def answer_cell(self, version: Any) -> str:
        return "对" if as_keys(version.answer) == {"T"} else "错"

    def option_cells(self, version: Any) -> list[str]:
        return [""] * len(OPTION_KEYS)

    def editor_initial(self, version: Any) -> dict[str, Any]:
        return {
            "stem": version.stem,
            "options": "",
            "answer": self.answer_cell(version),
        }

    def editor_content(self, data: dict[str, Any]) -> dict[str, Any]:
        word = str(data.get("answer", "")).strip().upper()
        answer = ["T"] if word in TRUE_WORDS else ["F"] if word in FALSE_WORDS else []
        return {
            "stem": data.get("stem", ""),
            "material": "",
            "options": TF_OPTIONS,
            "answer": answer,
            "parts": [],
        }
