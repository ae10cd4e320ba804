"""The attempt page's paper, rendered once.

An attempt's paper never changes once it is drawn: the versions and the option order are
fixed (a key fix, the one in-place change, forgets it; the practice "check answer" buttons
follow the session's policy and are part of the key). So the question HTML is rendered
once per attempt and language and kept in the cache; the page itself only adds what does
change: the candidate's saved answers (``saved_answers``, filled in by ``take.js``) and,
in practice, the feedback of checked questions (``checked_feedback``).

Papers are warmed in the default language when they are prepared ahead of the window, so
a hall starting together reads HTML instead of rendering forty questions each. A cache
miss (another language, an evicted key) renders and stores again: the cache is never the
only copy of anything.

Nothing here carries a key or an analysis: the fragment is rendered from
``selectors.candidate_paper`` items, without the answers and feedback they hold.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from . import qtypes
from .models import Attempt, AttemptQuestion, AttemptStatus
from .review import guarded_question_ids
from .selectors import candidate_paper, slot_feedback
from .services import check_allowed

logger = logging.getLogger(__name__)

# Bump when templates/exams/includes/paper.html changes shape: old fragments are then
# never read again (they expire on their own).
FRAGMENT_VERSION = 2
MAX_TIMEOUT = timedelta(days=30)


def _key(attempt: Attempt, language: str) -> str:
    # The random anon_code makes the key unique even where a database reuses an id. The
    # "check answer" buttons follow the session's review policy, which a trainer may change
    # while papers are cached: a paper rendered under the other policy is not read.
    check = int(check_allowed(attempt.session))
    return f"exams:paper:{FRAGMENT_VERSION}:{attempt.pk}:{attempt.anon_code}:{language}:{check}"


def _timeout(attempt: Attempt) -> int:
    """Keep a paper until an hour after its session closes (at most MAX_TIMEOUT)."""
    left = attempt.session.closes_at - timezone.now() + timedelta(hours=1)
    return max(60, int(min(left, MAX_TIMEOUT).total_seconds()))


def render_paper(attempt: Attempt) -> str:
    """The question HTML of ``attempt`` in the active language, with no answers in it."""
    return render_to_string(
        "exams/includes/paper.html",
        {
            "paper": candidate_paper(attempt),
            "check": check_allowed(attempt.session),
        },
    )


def _cache_call(method: str, *args: Any) -> Any:
    """A cache read or write that never fails the page: the cache only saves work."""
    try:
        return getattr(cache, method)(*args)
    except (
        Exception
    ):  # any backend's connection error (Redis down, database cache locked)
        logger.warning("exam paper cache %s failed", method, exc_info=True)
        return None


def _store(attempt: Attempt, language: str, html: str) -> None:
    # Compressed: 40 questions are ~28 KB of HTML and ~4 KB stored, for every candidate.
    _cache_call(
        "set",
        _key(attempt, language),
        zlib.compress(html.encode(), 6),
        _timeout(attempt),
    )


def cached_paper(attempt: Attempt, language: str) -> str | None:
    """The stored question HTML of ``attempt`` in ``language``, or None."""
    data = _cache_call("get", _key(attempt, language))
    return zlib.decompress(data).decode() if data is not None else None


def paper_html(attempt: Attempt) -> SafeString:
    """The cached question HTML of ``attempt`` (``attempt.session`` loaded)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    html = cached_paper(attempt, language)
    if html is None:
        html = render_paper(attempt)
        _store(attempt, language, html)
    # Only ever our own template's output (escaped when it was rendered).
    return mark_safe(html)  # noqa: S308


def warm(attempt_ids: Iterable[int]) -> int:
    """Render and cache the papers of these attempts in the default language."""
    attempts = Attempt.objects.filter(pk__in=list(attempt_ids)).select_related(
        "session"
    )
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        for attempt in attempts:
            _store(attempt, settings.LANGUAGE_CODE, render_paper(attempt))
            count += 1
    return count


def forget(attempts: Iterable[Attempt]) -> None:
    """Drop the cached papers of these attempts (``session`` loaded), in every language."""
    _cache_call(
        "delete_many",
        [_key(a, code) for a in attempts for code, _name in settings.LANGUAGES],
    )


def forget_version(version_id: int) -> None:
    """Drop the cached papers that show this question version (after a key fix)."""
    forget(
        Attempt.objects.filter(
            slots__version_id=version_id,
            status__in=(AttemptStatus.PREPARED, AttemptStatus.IN_PROGRESS),
        )
        .select_related("session")
        .distinct()
    )


def saved_answers(attempt: Attempt) -> dict[str, Any]:
    """The candidate's saved answers by question order, in this attempt's display letters
    (the shape ``take.js`` sends back): choices as letters, blanks as a list of texts,
    case parts as ``{part: letters or text}``."""
    return paper_state(attempt)[1]


def paper_state(attempt: Attempt) -> tuple[list[int], dict[str, Any], list[int]]:
    """The paper's question orders (the palette), the saved answers (``saved_answers``)
    and the orders the candidate flagged, in one query."""
    rows = (
        AttemptQuestion.objects.filter(attempt=attempt)
        .order_by("order")
        .values_list(
            "order", "response", "option_order", "version__question__qtype", "flagged"
        )
    )
    orders: list[int] = []
    answers: dict[str, Any] = {}
    flagged: list[int] = []
    for order, response, option_order, qtype, is_flagged in rows:
        orders.append(order)
        if is_flagged:
            flagged.append(order)
        if response is None:
            continue
        value = qtypes.get(qtype).display_response(response, option_order)
        if value is not None:
            answers[str(order)] = value
    return orders, answers, flagged


def checked_feedback(attempt: Attempt) -> dict[str, str]:
    """Practice with immediate feedback: the feedback HTML of each checked question.
    Empty for every other session (no key leaves the server unchecked)."""
    if not check_allowed(attempt.session):
        return {}
    slots = attempt.slots.filter(checked_at__isnull=False).select_related(
        "version__question"
    )
    guarded = guarded_question_ids()
    return {
        str(slot.order): render_to_string(
            "exams/includes/feedback.html",
            {"f": slot_feedback(slot, attempt.session.multiple_scoring, guarded)},
        )
        for slot in slots
    }
