"""The question-type registry: one handler per type, the one place that knows types.

    from exams import qtypes
    handler = qtypes.get(question.qtype)
    score, needs_marking = handler.score(version=v, points=p, response=r, rule=rule)

Handlers live in this package (``choice``, ``fillin``, ``case``); ``register`` adds one
(a new type then needs only its handler, a code in ``codes.QuestionType`` and a template
shape the candidate page already knows).
"""

from __future__ import annotations

from .base import (
    QuestionTypeHandler,
    as_keys,
    display_options,
    display_to_keys,
    keys_to_display,
)
from .case import CaseAnalysis
from .choice import IndeterminateChoice, MultipleChoice, SingleChoice, TrueFalse
from .codes import QuestionType
from .fillin import FillIn

_REGISTRY: dict[str, QuestionTypeHandler] = {}


def register(handler: QuestionTypeHandler) -> QuestionTypeHandler:
    """Add (or replace) the handler of ``handler.code``."""
    _REGISTRY[str(handler.code)] = handler
    return handler


def get(code: str) -> QuestionTypeHandler:
    """The handler of a type code; KeyError for an unknown code."""
    return _REGISTRY[str(code)]


def handlers() -> list[QuestionTypeHandler]:
    return list(_REGISTRY.values())


def choices() -> list[tuple[str, str]]:
    return [(h.code, str(h.label)) for h in _REGISTRY.values()]


def by_import_name(name: str) -> QuestionTypeHandler | None:
    """The handler whose spreadsheet names include ``name`` (题型 column), or None."""
    for handler in _REGISTRY.values():
        if name in handler.import_names:
            return handler
    return None


def part_row_names() -> set[str]:
    """Every 题型 word that marks a sub-question row (of any type with parts)."""
    return {name for h in _REGISTRY.values() for name in h.part_names}


def codes_where(**flags: object) -> set[str]:
    """Codes of the handlers whose attributes equal ``flags`` (e.g. ``shape="choice"``)."""
    return {
        h.code
        for h in _REGISTRY.values()
        if all(getattr(h, k) == v for k, v in flags.items())
    }


for _handler in (
    SingleChoice(),
    MultipleChoice(),
    TrueFalse(),
    IndeterminateChoice(),
    FillIn(),
    CaseAnalysis(),
):
    register(_handler)

__all__ = [
    "QuestionType",
    "QuestionTypeHandler",
    "as_keys",
    "by_import_name",
    "choices",
    "codes_where",
    "display_options",
    "display_to_keys",
    "get",
    "handlers",
    "keys_to_display",
    "part_row_names",
    "register",
]
