"""Reads of the exam engine. ``candidate_paper`` is the only path by which question
content reaches a candidate during an attempt: it copies the fields a candidate may see
and nothing else (no key, analysis or rubric)."""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.home import HomeItem
from records.models import TrackedItem
from records.selectors import rules_matching_user

from . import itemstats as stats
from . import qtypes, scoring
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    ExamOverride,
    ExamSession,
    Result,
)
from .services import check_allowed


def audience_session_ids(
    user: User, sessions: Iterable[ExamSession], *, overrides: bool = True
) -> set[int]:
    """The ids of ``sessions`` (``audience_units`` prefetched) whose audience includes
    ``user`` (records' assignment rules included), or that give them an override
    (unless ``overrides`` is False: an override lets one sit, it assigns nothing).

    ``services.session_audience`` decided for one person, in Python: the same few queries
    (named people, overrides, roles, unit) for any number of sessions, instead of two per
    session (every officer's home page lists them).
    ``tests/exams/test_selectors.py`` checks that the two agree.
    """
    named = set(
        ExamSession.audience_people.through.objects.filter(user_id=user.pk).values_list(
            "examsession_id", flat=True
        )
    )
    overridden = (
        set(
            ExamOverride.objects.filter(user_id=user.pk).values_list(
                "session_id", flat=True
            )
        )
        if overrides
        else set()
    )
    ruled_items = rules_matching_user(user, "exam")
    by_rule = (
        {
            int(item_id)
            for item_id in TrackedItem.objects.filter(pk__in=ruled_items).values_list(
                "item_id", flat=True
            )
        }
        if ruled_items
        else set()
    )
    roles = user.get_role_codes()
    unit_path = user.unit.path if user.unit_id else None
    ids = set()
    for session in sessions:
        if session.pk in overridden:
            ids.add(session.pk)
            continue
        if not user.is_active:
            continue
        role_ok = bool(roles & set(session.audience_roles))
        units = session.audience_units.all()
        if units:
            in_units = unit_path is not None and any(
                unit_path.startswith(u.path) for u in units
            )
            member = in_units and (role_ok or not session.audience_roles)
        else:
            member = role_ok
        if member or session.pk in named or session.pk in by_rule:
            ids.add(session.pk)
    return ids


def sessions_for_user(user: User) -> QuerySet[ExamSession]:
    """Published sessions whose audience includes ``user`` (or with an override for them)."""
    published = ExamSession.objects.filter(is_published=True).prefetch_related(
        "audience_units"
    )
    return ExamSession.objects.filter(
        pk__in=audience_session_ids(user, published)
    ).select_related("blueprint")


def home_items(request: HttpRequest) -> list[HomeItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    now = timezone.now()
    done = set(
        Result.objects.filter(attempt__user=user).values_list(
            "attempt__session_id", flat=True
        )
    )
    running = dict(
        Attempt.objects.filter(user=user, status=AttemptStatus.IN_PROGRESS).values_list(
            "session_id", "pk"
        )
    )
    items = []
    for session in sessions_for_user(user).filter(closes_at__gt=now):
        if session.pk in done and session.kind == ExamSession.Kind.EXAM:
            continue
        attempt = running.get(session.pk)
        items.append(
            HomeItem(
                title=session.title,
                # A running attempt opens where the candidate left it.
                url=f"/exams/a/{attempt}/" if attempt else f"/exams/s/{session.pk}/",
                kind="exam",
                due=session.closes_at,
                note=session.get_kind_display(),
                action=_("Continue the exam") if attempt else _("Start the exam"),
            )
        )
    return items


def candidate_paper(attempt: Attempt) -> list[dict[str, Any]]:
    """Return the attempt's questions as a candidate may see them, with saved answers
    translated to the display letters of this attempt's shuffle."""
    paper = []
    for slot in attempt.slots.select_related("version__question__category"):
        version, qtype = slot.version, slot.version.question.qtype
        handler = qtypes.get(qtype)
        item: dict[str, Any] = {
            "order": slot.order,
            "qtype": qtype,
            "shape": handler.shape,
            "type_label": slot.version.question.get_qtype_display(),
            "points": slot.points,
            "stem": version.stem,
            "material": version.material,
            "multi": handler.multi,
        }
        item.update(
            handler.candidate_item(
                version=version,
                option_order=slot.option_order,
                response=slot.response,
                points=slot.points,
            )
        )
        if slot.checked_at is not None and check_allowed(attempt.session):
            item["feedback"] = slot_feedback(slot, attempt.session.multiple_scoring)
        paper.append(item)
    return paper


KEY_WITHHELD = gettext_noop(
    "This question is also in an exam that is running now: its answer and analysis "
    "are shown after that exam closes."
)


def slot_feedback(
    slot: AttemptQuestion, rule: str, guarded: set[int] | None = None
) -> dict[str, Any]:
    """What a practice candidate sees after checking one question: right or wrong, the
    score, the correct answer in this attempt's display letters, and the analysis.
    Only ever built for a checked slot (the key of any other must not leave the server).

    A question in the pool of an open exam that hides keys (``guarded``, default
    ``review.guarded_question_ids()``) gets right or wrong and the score only."""
    from .review import guarded_question_ids

    version, qtype = slot.version, slot.version.question.qtype
    auto, needs_marking = scoring.score_slot(
        version=version,
        qtype=qtype,
        points=slot.points,
        response=slot.response,
        rule=rule,
    )
    feedback: dict[str, Any] = {
        "order": slot.order,
        "score": str(auto),
        "points": str(slot.points),
        "correct": auto == slot.points and not needs_marking,
        "needs_marking": needs_marking,
        "analysis": version.analysis,
    }
    if guarded is None:
        guarded = guarded_question_ids()
    if version.question_id in guarded:
        feedback["analysis"] = _(KEY_WITHHELD)
        feedback["answer"] = ""
        feedback["key_withheld"] = True
        return feedback
    feedback["answer"] = qtypes.get(qtype).answer_text(version, slot.option_order)
    return feedback


def review_allowed(session: ExamSession, what: str, attempt: Attempt, now=None) -> bool:
    """May the candidate see ``what`` ("score" or "answers") of this attempt now?
    Asks the session's ``exams.review.ReviewPolicy``."""
    from .review import ReviewPolicy

    policy = ReviewPolicy.for_session(session, now)
    if what == "score":
        return policy.score_visible(attempt)
    return policy.answers_visible(attempt)


def attempt_review(attempt: Attempt) -> list[dict[str, Any]]:
    """The paper with keys, analyses and scores: only for a review the policy allows.
    Questions in the pool of an open exam that hides keys keep theirs back
    (``review.guarded_question_ids``)."""
    from .review import guarded_question_ids

    guarded = guarded_question_ids()
    review = []
    for item, slot in zip(
        candidate_paper(attempt),
        attempt.slots.select_related("version__question"),
        strict=True,
    ):
        version = slot.version
        item["score"] = slot.score
        if version.question_id in guarded:
            item["analysis"] = _(KEY_WITHHELD)
            item["key_withheld"] = True
            review.append(item)
            continue
        item["analysis"] = version.analysis
        qtypes.get(item["qtype"]).review_item(
            item, version=version, option_order=slot.option_order
        )
        review.append(item)
    return review


# Statistics ---------------------------------------------------------------------------


def session_response_matrix(
    session: ExamSession,
) -> tuple[list[int], dict[int, dict[int, float]], dict[int, float], dict[int, float]]:
    """Return (attempt ids, {question id: {attempt id: score}}, item max points, totals).

    Uses each person's first graded attempt, as Moodle's default does.
    """
    results = (
        Result.objects.filter(attempt__session=session, final=True)
        .select_related("attempt")
        .order_by("attempt__user_id", "attempt__number")
    )
    firsts: dict[int, int] = {}
    totals: dict[int, float] = {}
    for r in results:
        if r.attempt.user_id not in firsts:
            firsts[r.attempt.user_id] = r.attempt_id
            totals[r.attempt_id] = float(r.score)
    ids = list(firsts.values())
    matrix: dict[int, dict[int, float]] = defaultdict(dict)
    max_points: dict[int, float] = {}
    for slot in AttemptQuestion.objects.filter(attempt_id__in=ids).select_related(
        "version"
    ):
        qid = slot.version.question_id
        matrix[qid][slot.attempt_id] = float(slot.score or 0)
        max_points[qid] = float(slot.points)
    return ids, matrix, max_points, totals


def session_statistics_compute(*, session: ExamSession) -> dict[str, Any]:
    """Compute and store item and test statistics for the session; return them."""
    ids, matrix, max_points, totals = session_response_matrix(session)
    items = []
    for qid, scores in matrix.items():
        attempt_ids = list(scores)
        items.append(
            asdict(
                stats.item_stats(
                    key=str(qid),
                    item=[scores[a] for a in attempt_ids],
                    totals=[totals[a] for a in attempt_ids],
                    max_points=max_points[qid],
                )
            )
        )
    # Alpha needs a common item set: positions (slot order) are common to all papers drawn
    # from one blueprint, so the test is analysed by position.
    by_position: dict[int, dict[int, float]] = defaultdict(dict)
    for slot in AttemptQuestion.objects.filter(attempt_id__in=ids).only(
        "attempt_id", "order", "score"
    ):
        by_position[slot.order][slot.attempt_id] = float(slot.score or 0)
    complete = [pos for pos, col in by_position.items() if len(col) == len(ids)]
    test = stats.test_stats(
        item_matrix=[[by_position[p][a] for a in ids] for p in sorted(complete)],
        totals=[totals[a] for a in ids],
    )
    data = {
        "computed_at": timezone.now().isoformat(),
        "test": asdict(test),
        "items": items,
        "totals": [totals[a] for a in ids],
        "max_score": float(_max_score(session)),
    }
    session.statistics = data
    session.save(update_fields=["statistics"])
    return data


def _max_score(session: ExamSession) -> Decimal:
    result = (
        Result.objects.filter(attempt__session=session).order_by("-max_score").first()
    )
    return result.max_score if result else session.blueprint.total_points()


def score_histogram(
    totals: list[float], max_score: float, bins: int = 10
) -> list[dict[str, Any]]:
    """Counts of scores in ``bins`` equal bands of the maximum (for the SVG chart)."""
    if max_score <= 0:
        return []
    width = max_score / bins
    counts = [0] * bins
    for t in totals:
        counts[min(bins - 1, int(t / width)) if width else 0] += 1
    return [
        {"low": round(i * width, 1), "high": round((i + 1) * width, 1), "count": c}
        for i, c in enumerate(counts)
    ]


def histogram_svg(
    totals: list[float], max_score: float, pass_score: float | None = None
) -> str:
    """An inline SVG bar chart of the score distribution (no scripts, no CDN)."""
    bands = score_histogram(totals, max_score)
    if not bands:
        return ""
    width, height, pad = 520, 220, 30
    top = max(b["count"] for b in bands) or 1
    bar_w = (width - 2 * pad) / len(bands)
    label = _("Score distribution")
    pass_label = _("pass mark")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}" class="exam-chart">'
    ]
    for i, band in enumerate(bands):
        h = (height - 2 * pad) * band["count"] / top
        x = pad + i * bar_w
        y = height - pad - h
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" fill="#1f4e8c">'
            f"<title>{band['low']}–{band['high']}: {band['count']}</title></rect>"
        )
        if band["count"]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="11" '
                f'text-anchor="middle">{band["count"]}</text>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - pad + 14:.1f}" font-size="10" '
            f'text-anchor="middle">{band["low"]:g}</text>'
        )
    if pass_score is not None and max_score:
        px = pad + (width - 2 * pad) * pass_score / max_score
        parts.append(
            f'<line x1="{px:.1f}" y1="{pad - 10}" x2="{px:.1f}" y2="{height - pad}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/><text x="{px + 3:.1f}" y="{pad - 12}" font-size="11" '
            f'fill="#c0392b">{pass_label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def median(values: list[float]) -> float:
    return float(pystats.median(values)) if values else 0.0
