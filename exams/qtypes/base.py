"""The contract every question type implements (Moodle's ``question_type`` /
``question_definition`` pair, folded into one handler).

A handler knows one type's content (``QuestionVersion`` fields: stem, material, options,
answer, analysis, parts) and everything that depends on its shape: validating content,
shuffling a paper's options, cleaning a candidate's response, scoring it, the feedback
and review texts, what the candidate's page renders, the trainer's editor fields, and the
spreadsheet rows of import and export. Nothing outside ``exams.qtypes`` branches on a type.

Handlers are pure: they read duck-typed versions (anything with the content attributes)
and never touch the database, so models, services and selectors can all use them.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any, ClassVar

OPTION_KEYS = "ABCDEF"


def as_keys(response: Any) -> set[str]:
    """The option keys in a stored response (a key, a list of keys, or nothing)."""
    if response is None:
        return set()
    if isinstance(response, str):
        return {response} if response else set()
    if isinstance(response, list | tuple):
        return {str(r) for r in response if r}
    return set()


def display_to_keys(order: list[str], value: Any) -> list[str]:
    """Map display letters (A, B, ...) to the original option keys; raise on nonsense."""
    letters = [value] if isinstance(value, str) else value
    if not isinstance(letters, list):
        raise ValueError
    keys = []
    for letter in letters:
        if not isinstance(letter, str) or len(letter) != 1:
            raise ValueError
        index = ord(letter.upper()) - ord("A")
        if not 0 <= index < len(order):
            raise ValueError
        keys.append(order[index])
    return sorted(set(keys))


def keys_to_display(order: list[str], keys: Any) -> list[str]:
    """The display letters of this paper's shuffle for the original option keys."""
    chosen = as_keys(keys)
    return [chr(ord("A") + i) for i, key in enumerate(order) if key in chosen]


def display_options(options: list[dict], order: list[str]) -> list[dict[str, str]]:
    """Options in a paper's shuffled order, labelled A, B, ... as the candidate sees them."""
    texts = {o["key"]: o["text"] for o in options}
    return [
        {"label": chr(ord("A") + i), "text": texts.get(key, "")}
        for i, key in enumerate(order)
    ]


class QuestionTypeHandler:
    """One question type. Subclasses set the class attributes and implement the methods.

    ``shape`` tells the candidate page (template and ``take.js``) how answers are entered:
    ``choice`` (radio or checkboxes), ``blanks`` (text inputs) or ``parts`` (sub-questions).
    """

    code: ClassVar[str]
    label: ClassVar[Any]
    shape: ClassVar[str] = "choice"
    multi: ClassVar[bool] = False
    # Words accepted in the spreadsheet's 题型 column; the first is written on export.
    import_names: ClassVar[tuple[str, ...]] = ()
    # 题型 words of the sub-question rows that follow this type's row (shape "parts").
    part_names: ClassVar[dict[str, str]] = {}
    # The kinds of sub-question the editor offers (shape "parts").
    part_kinds: ClassVar[list[tuple[str, Any]]] = []

    @property
    def export_name(self) -> str:
        return self.import_names[0]

    # Content --------------------------------------------------------------------
    def validate(self, content: dict[str, Any]) -> list[str]:
        """The problems with this content, in the UI language (empty when fine)."""
        raise NotImplementedError

    def max_weight(self, version: Any) -> Decimal:
        """The raw points of a version before scaling to the slot's points."""
        return Decimal(1)

    # A paper ----------------------------------------------------------------------
    def shuffle(self, version: Any, rng: random.Random) -> Any:
        """The option order of one paper (stored in ``AttemptQuestion.option_order``)."""
        raise NotImplementedError

    def clean_response(self, version: Any, option_order: Any, value: Any) -> Any:
        """The stored form of a candidate's answer given in display letters or texts.
        Raise ValueError (or TypeError) on anything malformed."""
        raise NotImplementedError

    def display_response(self, response: Any, option_order: Any) -> Any:
        """The stored response in this paper's display letters (what ``take.js`` sends)."""
        raise NotImplementedError

    def score(
        self, *, version: Any, points: Decimal, response: Any, rule: str
    ) -> tuple[Decimal, bool]:
        """(objective score out of ``points``, whether markers must score the rest)."""
        raise NotImplementedError

    def needs_marking(self, version: Any) -> bool:
        """Whether some part of this version is scored by a marker."""
        return False

    def essay_max(self, version: Any) -> Decimal:
        """The raw points markers award (in the version's weight units)."""
        return Decimal(0)

    def essay_parts(self, version: Any, response: Any) -> list[dict[str, Any]]:
        """What a marker scores: the written parts with the candidate's text."""
        return []

    def essay_is_empty(self, version: Any, response: Any) -> bool:
        """Whether the candidate wrote nothing a marker could score."""
        return True

    # What people see ----------------------------------------------------------------
    def candidate_item(
        self, *, version: Any, option_order: Any, response: Any, points: Decimal
    ) -> dict[str, Any]:
        """The fields the candidate's page renders (never a key or an analysis)."""
        raise NotImplementedError

    def review_item(
        self, item: dict[str, Any], *, version: Any, option_order: Any
    ) -> None:
        """Add the keys to a ``candidate_item`` for a review the policy allows."""
        raise NotImplementedError

    def answer_text(self, version: Any, option_order: Any) -> str:
        """The correct answer as one line, in the paper's display letters."""
        raise NotImplementedError

    # Spreadsheet --------------------------------------------------------------------
    def parse_cells(self, cells: dict[str, str], content: dict[str, Any]) -> list[str]:
        """Fill ``content`` from one spreadsheet row; return the row's problems."""
        raise NotImplementedError

    def parse_part(
        self, cells: dict[str, str], index: int
    ) -> tuple[dict[str, Any], list[str]]:
        """One sub-question row following this type's row (types with parts only)."""
        raise NotImplementedError

    def answer_cell(self, version: Any) -> str:
        """The 答案 column of the export."""
        raise NotImplementedError

    def export_rows(self, version: Any, row: list[str]) -> list[list[str]]:
        """The export rows of a version, given its main row (type, stem, options …)."""
        return [row]

    def stem_cell(self, version: Any) -> str:
        return version.stem

    def option_cells(self, version: Any) -> list[str]:
        options = {o["key"]: o["text"] for o in version.options}
        return [options.get(k, "") for k in OPTION_KEYS]

    # Editor -------------------------------------------------------------------------
    def editor_initial(self, version: Any) -> dict[str, Any]:
        """The editor form's initial values for this version's content."""
        raise NotImplementedError

    def editor_content(self, data: dict[str, Any]) -> dict[str, Any]:
        """The content built from the editor form's cleaned data (validated afterwards)."""
        raise NotImplementedError
