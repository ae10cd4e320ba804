"""Highlighted snippets, built the same way for every engine from the stored body."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from html import escape

from .text import highlight_terms, normalize
from .text import words as words_of

SNIPPET_CHARS = 160


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    ordered = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    return re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None


def _positions(haystack: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Return non-overlapping (start, end) spans of ``terms`` in ``haystack``, longest
    terms winning at each position."""
    pattern = _pattern(tuple(terms))
    return [m.span() for m in pattern.finditer(haystack)] if pattern is not None else []


def snippet(
    text: str,
    query: str,
    *,
    chars: int = SNIPPET_CHARS,
    terms: Sequence[str] | None = None,
) -> str:
    """Return HTML: the window of ``text`` with the most query matches, escaped, with
    matches wrapped in ``<mark>``. Without matches, the start of the text. Pass ``terms``
    (from :func:`query_terms`) when highlighting many texts for one query."""
    text = text or ""
    if not text:
        return ""
    haystack = text.lower()
    terms = list(terms) if terms is not None else query_terms(query)
    spans = _positions(haystack, terms)
    if not spans:
        cut = text[:chars]
        return escape(cut) + ("…" if len(text) > chars else "")
    # Slide a window over the spans (sorted by start) keeping the covered length.
    best_start, best_score = 0, -1
    covered, right = 0, 0
    for left, (start, _end) in enumerate(spans):
        window_start = max(0, start - chars // 4)
        window_end = window_start + chars
        while right < len(spans) and spans[right][1] <= window_end:
            covered += spans[right][1] - spans[right][0]
            right += 1
        if covered > best_score:
            best_start, best_score = window_start, covered
        if right > left:
            covered -= spans[left][1] - spans[left][0]
        else:
            right = left + 1
    window_end = min(len(text), best_start + chars)
    parts = ["…" if best_start > 0 else ""]
    cursor = best_start
    for start, end in spans:
        if end <= best_start or start >= window_end:
            continue
        start, end = max(start, best_start), min(end, window_end)
        parts.append(escape(text[cursor:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    parts.append(escape(text[cursor:window_end]))
    if window_end < len(text):
        parts.append("…")
    return "".join(parts)


def query_terms(query: str, *, limit: int = 60) -> list[str]:
    """Return the strings to mark for ``query`` (its words, and for short queries its
    bigrams), longest first, at most ``limit``."""
    if len(query) <= 40:
        terms = highlight_terms(normalize(query))
    else:
        # Long descriptions: their words only (bigrams would mark half the text).
        terms = sorted(
            {t for t in words_of(query) if len(t) >= 2}, key=lambda t: (-len(t), t)
        )
    return terms[:limit]


def mark(text: str, terms: Sequence[str]) -> str:
    """Return HTML: all of ``text`` escaped with ``terms`` wrapped in ``<mark>``."""
    spans = _positions(text.lower(), [t for t in terms if t])
    out, cursor = [], 0
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)
