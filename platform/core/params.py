"""Ids read from a request without 500s: a form or query value that is not a database
id (letters, other scripts' digits such as ``²`` or ``١``, a number past the column) is
None, never a ValueError or an OverflowError in the query."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**31 - 1  # the smallest id column we use (PostgreSQL integer)


def id_param(value: object) -> int | None:
    """Return ``value`` as an id (ASCII digits, 1..MAX_ID) or None."""
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        if 0 < number <= MAX_ID:
            return number
    return None


def id_params(values: Iterable[object]) -> list[int]:
    """Return the values that are ids (see ``id_param``), in order, without the rest."""
    return [n for n in (id_param(v) for v in values) if n is not None]
