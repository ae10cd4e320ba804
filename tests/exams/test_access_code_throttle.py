"""Issue 13, finding "the exam access code can be guessed 600 times in 79 s": wrong codes
are counted per person and session, and after ``EXAMS_ACCESS_CODE_ATTEMPTS`` the start
is refused (even with the right code) until the window passes. Audited."""

from __future__ import annotations

from django.core.cache import cache
from django.test import TestCase, override_settings

from audit.models import AuditEntry
from exams.models import QuestionType
from exams.services import ExamError, attempt_start
from tests.base import PersonasMixin
from tests.exams.factories import make_blueprint, make_session, standard_bank


@override_settings(EXAMS_ACCESS_CODE_ATTEMPTS=5, EXAMS_ACCESS_CODE_WINDOW_SECONDS=900)
class AccessCodeThrottleTests(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=1)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 1, "10")])
        cls.session = make_session(
            blueprint=blueprint, people=[cls.officer], access_code="4821"
        )

    def setUp(self) -> None:
        cache.clear()

    def test_access_code_guessing_is_throttled(self):
        codes = []
        for guess in range(20):
            try:
                attempt_start(
                    session=self.session, user=self.officer, access_code=f"{guess:04d}"
                )
            except ExamError as e:
                codes.append(e.code)
        self.assertEqual(codes[:5], ["access_code"] * 5)
        self.assertEqual(set(codes[5:]), {"access_code_throttled"})
        # Even the right code is refused while throttled: guessing cannot go on.
        with self.assertRaises(ExamError) as caught:
            attempt_start(session=self.session, user=self.officer, access_code="4821")
        self.assertEqual(caught.exception.status, 429)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="exams.attempt_start", details__reason="access_code_throttled"
            ).exists()
        )

    def test_right_code_within_the_limit_starts(self):
        with self.assertRaises(ExamError):
            attempt_start(session=self.session, user=self.officer, access_code="0000")
        attempt = attempt_start(
            session=self.session, user=self.officer, access_code="4821"
        )
        self.assertEqual(attempt.user, self.officer)
