"""The review policy of an exam session: the one place that decides what a candidate may
see of their result, and when.

Every surface that shows a score, a pass, a key, an analysis or a certificate asks a
``ReviewPolicy``: the session page, the result page, the exams API, the certificate
download and the verify page here; the training record (page, PDF, API, xAPI,
exports, notifications) through the release written on the session's tracked item
(``ReviewPolicy.record_release``), because ``records`` knows nothing of exams.

The session's two settings, ``review_score`` (score and pass, and so the certificate)
and ``review_answers`` (keys and analyses), each say *after submit*, *after the session
closes* or *never*. "Never" means never for candidates: trainers and admins see results
through their own pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from .models import Attempt, AttemptStatus, ExamSession

When = ExamSession.ReviewWhen
UNFINISHED = (AttemptStatus.PREPARED, AttemptStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ReviewPolicy:
    """What a candidate of ``session`` may see at ``now``."""

    session: ExamSession
    now: datetime = field(default_factory=timezone.now)

    @classmethod
    def for_session(
        cls, session: ExamSession, now: datetime | None = None
    ) -> ReviewPolicy:
        """Return the policy of ``session`` at ``now`` (default: the current time)."""
        return cls(session=session, now=now or timezone.now())

    def _open(self, when: str) -> bool:
        if when == When.AFTER_SUBMIT:
            return True
        if when == When.AFTER_CLOSE:
            return self.session.is_closed(self.now)
        return False

    def score_visible(self, attempt: Attempt | None = None) -> bool:
        """May the candidate see the score and the pass or fail (of ``attempt``, or the
        session's grade when ``attempt`` is None)?"""
        if attempt is not None and attempt.status in UNFINISHED:
            return False
        return self._open(self.session.review_score)

    def answers_visible(self, attempt: Attempt) -> bool:
        """May the candidate see keys and analyses of ``attempt``?"""
        if attempt.status in UNFINISHED:
            return False
        return self._open(self.session.review_answers)

    def keys_hidden_while_open(self) -> bool:
        """True when the session is open now and its candidates may not see keys yet:
        its questions must not give their keys anywhere else (practice feedback)."""
        if self.session.kind != ExamSession.Kind.EXAM or not self.session.is_published:
            return False
        if not (self.session.opens_at <= self.now < self.session.closes_at):
            return False
        return self.session.review_answers != When.AFTER_SUBMIT

    def certificate_available(self) -> bool:
        """May the candidate download (and see) the certificate? Only when the session
        issues one and the score may be seen."""
        return bool(self.session.issue_certificate) and self.score_visible()

    def verify_shows_score(self) -> bool:
        """May the public verify page show the certificate's score? Not before the
        candidate may see it; until then it shows validity only."""
        return self.score_visible()

    def record_release(self) -> tuple[str, datetime | None]:
        """The release of results to write on the training record's tracked item:
        ("always", None), ("from", when) or ("never", None)."""
        when = self.session.review_score
        if when == When.AFTER_SUBMIT:
            return "always", None
        if when == When.AFTER_CLOSE:
            return "from", self.session.closes_at
        return "never", None


def guarded_question_ids(now: datetime | None = None) -> set[int]:
    """Ids of the questions in the pool of an exam that is open now and whose review
    policy hides keys from its candidates: practice feedback and practice reviews give
    no key or analysis for them until that exam closes, so practising cannot harvest a
    running paper's keys."""
    from .drawing import row_pool

    now = now or timezone.now()
    sessions = (
        ExamSession.objects.filter(
            kind=ExamSession.Kind.EXAM,
            is_published=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .exclude(review_answers=When.AFTER_SUBMIT)
        .select_related("blueprint")
    )
    ids: set[int] = set()
    for blueprint in {session.blueprint for session in sessions}:
        if blueprint.mode == blueprint.Mode.FIXED:
            ids.update(blueprint.items.values_list("question_id", flat=True))
        for row in blueprint.rows.select_related("category"):
            ids.update(pk for pk, _version, _difficulty in row_pool(row))
    return ids
