"""Exam day at 500 candidates (issue #15): what a hall's start costs per candidate.

The start of a large sitting is CPU-bound on two cores (``bench/exam_load.py``), so the
requests every candidate makes at once are kept to the queries they need. Each test here
failed before the change it names: the session page looked at the person's attempts twice
(an ``EXISTS`` for the 404, then the list), Start did both and then locked the prepared
paper in a transaction of its own, and the attempt page read its slots twice (the
palette, then the saved answers).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exams import paper, services
from exams.models import Attempt, AttemptStatus, QuestionType
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


def sql_of(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries]


def touching(queries: list[str], table: str) -> list[str]:
    return [q for q in queries if f'FROM "{table}"' in q or f'UPDATE "{table}"' in q]


class ExamDayQueryTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=2)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 2)])
        cls.session = make_session(
            blueprint=blueprint, people=[cls.officer, cls.officer_b], minutes=30
        )
        services.session_prepare_attempts(session=cls.session)

    def setUp(self):
        super().setUp()
        self.login(self.officer)
        self.client.get(reverse("exams:my_exams"))  # the session's first "last seen"
        self.url = reverse("exams:session", args=[self.session.pk])
        # As after the preparation's commit: the papers are rendered ahead of the window.
        paper.warm(
            Attempt.objects.filter(session=self.session).values_list("pk", flat=True)
        )

    def test_the_session_page_reads_the_attempts_once(self):
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(touching(sql_of(context), "exams_attempt")), 1)

    def test_start_of_a_prepared_paper_is_one_conditional_update(self):
        with CaptureQueriesContext(connection) as context:
            response = self.client.post(self.url)
        self.assertEqual(response.status_code, 302)
        queries = sql_of(context)
        self.assertFalse([q for q in queries if "FOR UPDATE" in q], queries)
        self.assertEqual(
            len(touching(queries, "exams_attempt")), 2, queries
        )  # list, start
        self.assertFalse([q for q in queries if 'FROM "exams_blueprintrow"' in q])
        attempt = Attempt.objects.get(session=self.session, user=self.officer)
        self.assertEqual(attempt.status, AttemptStatus.IN_PROGRESS)
        self.assertEqual(attempt.number, 1)
        self.assertAlmostEqual(
            (attempt.deadline - attempt.started_at).total_seconds(), 30 * 60, delta=1
        )

    def test_the_attempt_page_reads_its_slots_once(self):
        location = self.client.post(self.url)["Location"]
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(location)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            len(touching(sql_of(context), "exams_attemptquestion")), 1, sql_of(context)
        )
        self.assertContains(response, 'data-goto="2"')  # the palette is still there

    def test_a_start_that_lost_the_race_resumes_the_running_attempt(self):
        """Two Start presses of one person at once: the one whose conditional UPDATE
        changes no row looks again and resumes the attempt the other started."""
        availability = services.session_availability(
            session=self.session, user=self.officer
        )
        prepared = availability.attempts[0]
        now = timezone.now()
        Attempt.objects.filter(pk=prepared.pk).update(
            status=AttemptStatus.IN_PROGRESS,
            started_at=now,
            deadline=now + timedelta(minutes=30),
        )
        attempt = services.attempt_start(
            session=self.session, user=self.officer, availability=availability
        )
        self.assertEqual(attempt.pk, prepared.pk)
        self.assertEqual(
            Attempt.objects.filter(session=self.session, user=self.officer).count(), 1
        )

    def test_a_person_outside_the_audience_still_gets_404(self):
        self.login(self.trainer)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url).status_code, 404)

    def test_a_withdrawn_paper_still_shows_the_page(self):
        """The page stays the person's after they leave the audience (a withdrawn paper),
        with the reason, as before."""
        self.session.audience_people.remove(self.officer_b)
        services.session_audience_sync(session=self.session)
        self.assertTrue(
            Attempt.objects.filter(
                user=self.officer_b, status=AttemptStatus.WITHDRAWN
            ).exists()
        )
        self.login(self.officer_b)
        self.assertEqual(self.client.get(self.url).status_code, 200)


class ExamDayChromeTests(BaseTestCase):
    """The session page of a sitting the person can start is the door to the exam: it
    renders without the site menu, whose entries cost a role and two permission queries
    (failed before: 11 queries, the menu's three among them)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=2)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 2)])
        cls.session = make_session(
            blueprint=blueprint, people=[cls.officer], minutes=30
        )

    def setUp(self):
        super().setUp()
        self.login(self.officer)
        self.client.get(reverse("exams:my_exams"))
        self.url = reverse("exams:session", args=[self.session.pk])

    def test_the_session_page_of_a_startable_sitting_reads_no_permissions(self):
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        queries = sql_of(context)
        self.assertFalse([q for q in queries if "auth_permission" in q], queries)
        self.assertFalse(touching(queries, "accounts_roleassignment"), queries)
        self.assertNotContains(response, 'class="mainnav"')
        self.assertContains(response, 'id="start-attempt"')
        self.assertContains(response, reverse("accounts:logout"))  # still signs out

    def test_the_page_keeps_the_menu_once_nothing_can_be_started(self):
        self.session.closes_at = timezone.now() - timedelta(minutes=1)
        self.session.opens_at = timezone.now() - timedelta(hours=1)
        self.session.save()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="mainnav"')
