"""Highlighted snippets, built the same way for every engine from the stored body."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape

from .text import highlight_terms, normalize

SNIPPET_CHARS = 160


def _positions(haystack: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Return non-overlapping (start, end) spans of ``terms`` in ``haystack``, longest
    terms winning."""
    taken = [False] * len(haystack)
    spans = []
    for term in terms:
        for match in re.finditer(re.escape(term), haystack):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            spans.append((start, end))
    return sorted(spans)


def snippet(
    text: str,
    query: str,
    *,
    chars: int = SNIPPET_CHARS,
    terms: Sequence[str] | None = None,
) -> str:
    """Return HTML: the window of ``text`` with the most query matches, escaped, with
    matches wrapped in ``<mark>``. Without matches, the start of the text."""
    text = text or ""
    if not text:
        return ""
    # Match on a normalised copy of the same length (NFKC may change lengths, so only
    # case-fold here; the query terms are normalised).
    haystack = text.lower()
    terms = list(terms) if terms is not None else highlight_terms(normalize(query))
    spans = _positions(haystack, [t for t in terms if t])
    if not spans:
        cut = text[:chars]
        return escape(cut) + ("…" if len(text) > chars else "")
    best_start, best_score = 0, -1.0
    for start, _ in spans:
        window_start = max(0, start - chars // 4)
        window_end = window_start + chars
        covered = sum(
            min(e, window_end) - max(s, window_start)
            for s, e in spans
            if s < window_end and e > window_start
        )
        if covered > best_score:
            best_start, best_score = window_start, covered
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
