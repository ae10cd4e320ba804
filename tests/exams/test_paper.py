"""The attempt page's paper: rendered once per attempt and language, cached, filled in with
the saved answers by the page; warmed when papers are prepared, forgotten after a key fix,
and never dependent on the cache being up."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from exams import paper, services
from exams.models import Attempt, ExamSession, QuestionType
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_session, standard_bank

ALL_TYPES = [
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUE_FALSE,
    QuestionType.INDETERMINATE,
    QuestionType.FILL_IN,
    QuestionType.CASE,
]
# A Redis that is not there: every cache call fails with a connection error.
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


class PaperCacheTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=2)
        cls.blueprint = make_blueprint(
            rows=[(cls.category, t, 1, 2) for t in ALL_TYPES]
        )
        cls.session = make_session(
            blueprint=cls.blueprint, people=[cls.officer, cls.officer_b]
        )

    def start(self, user=None) -> Attempt:
        self.login(user or self.officer)
        response = self.client.post(reverse("exams:session", args=[self.session.pk]))
        self.assertEqual(response.status_code, 302)
        return Attempt.objects.get(session=self.session, user=user or self.officer)

    def take(self, attempt, **headers):
        response = self.client.get(
            reverse("exams:attempt", args=[attempt.pk]), **headers
        )
        self.assertEqual(response.status_code, 200)
        return response

    def order_of(self, attempt, qtype) -> int:
        return attempt.slots.get(version__question__qtype=qtype).order

    def test_papers_are_rendered_when_prepared_and_read_from_the_cache(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(services.session_prepare_attempts(session=self.session), 2)
        attempt = Attempt.objects.get(session=self.session, user=self.officer)
        cached = paper.cached_paper(attempt, "zh-hans")
        self.assertIsNotNone(
            cached, "preparing the papers renders them in the default language"
        )
        self.assertNotIn(CANARY, cached)
        attempt = self.start()
        paper._store(
            attempt,
            "zh-hans",
            cached.replace("</section>", "<!-- from the cache --></section>", 1),
        )
        self.assertContains(self.take(attempt), "<!-- from the cache -->")

    def test_each_language_has_its_own_paper(self):
        attempt = self.start()
        zh = self.take(attempt, HTTP_ACCEPT_LANGUAGE="zh-hans")
        en = self.take(attempt, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(zh, "单选题")
        self.assertContains(en, "Single choice")
        self.assertNotContains(en, "单选题")
        self.assertIsNotNone(paper.cached_paper(attempt, "en"))

    def test_a_changed_review_policy_is_not_served_an_old_paper(self):
        self.session.kind = ExamSession.Kind.PRACTICE
        self.session.review_answers = ExamSession.ReviewWhen.AFTER_SUBMIT
        self.session.save(update_fields=["kind", "review_answers"])
        attempt = self.start()
        self.assertContains(self.take(attempt), 'class="btn secondary check-btn"')
        self.session.review_answers = ExamSession.ReviewWhen.AFTER_CLOSE
        self.session.save(update_fields=["review_answers"])
        self.assertNotContains(self.take(attempt), 'class="btn secondary check-btn"')

    def test_saved_answers_of_every_type_come_back_in_display_letters(self):
        attempt = self.start()
        single, multiple, case, fill = (
            self.order_of(attempt, t)
            for t in (
                QuestionType.SINGLE,
                QuestionType.MULTIPLE,
                QuestionType.CASE,
                QuestionType.FILL_IN,
            )
        )
        answers = {
            str(single): ["C"],
            str(multiple): ["A", "D"],
            str(fill): ["二十四小时"],
            str(case): {"1": ["B"], "2": "构成诈骗罪，理由如下"},
        }
        response = self.client.post(
            reverse("exams:attempt_save", args=[attempt.pk]),
            json.dumps({"seq": 1, "answers": answers}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        page = self.take(attempt)
        self.assertEqual(page.context["answers"], answers)
        # What the page sends back is exactly what take.js sent: a reload loses nothing.
        self.assertEqual(paper.saved_answers(attempt), answers)

    def test_another_candidates_answers_never_reach_the_page(self):
        other = self.start(self.officer_b)
        self.client.post(
            reverse("exams:attempt_save", args=[other.pk]),
            json.dumps({"seq": 1, "answers": {"1": ["A"]}}),
            content_type="application/json",
        )
        mine = self.start(self.officer)
        self.assertEqual(self.take(mine).context["answers"], {})
        self.assertEqual(
            self.client.get(reverse("exams:attempt", args=[other.pk])).status_code, 404
        )

    def test_a_key_fix_forgets_the_papers_that_show_the_question(self):
        attempt = self.start()
        fill = attempt.slots.select_related("version").get(
            version__question__qtype=QuestionType.FILL_IN
        )
        self.assertEqual(self.take(attempt).content.decode().count("data-blank="), 1)
        with self.captureOnCommitCallbacks(execute=True):
            services.version_key_fix(
                version=fill.version,
                answer=[["二十四小时"], ["当场"]],
                actor=self.trainer,
            )
        self.assertIsNone(paper.cached_paper(attempt, "zh-hans"))
        self.assertEqual(self.take(attempt).content.decode().count("data-blank="), 2)

    def test_the_page_works_when_the_cache_is_down(self):
        attempt = self.start()
        with override_settings(CACHES=DEAD_CACHE):
            cache.close()
            with self.assertLogs("exams.paper", "WARNING"):
                response = self.take(attempt)
            with self.assertLogs("exams.paper", "WARNING"):
                self.assertEqual(paper.warm([attempt.pk]), 1)
        self.assertContains(response, 'data-qtype="single"')
        self.assertNotContains(response, CANARY)

    def test_exam_mode_hides_the_site_menu(self):
        attempt = self.start()
        response = self.take(attempt)
        self.assertNotContains(response, 'class="mainnav"')
        self.assertContains(
            self.client.get(reverse("exams:my_exams")), 'class="mainnav"'
        )
