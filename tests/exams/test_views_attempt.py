"""Integrity of the attempt endpoints: no keys in responses, server clock, sequence
numbers, other people's attempts, review policy."""

from __future__ import annotations

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation

import time_machine

from exams import services
from exams.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    ExamSession,
    QuestionType,
    Result,
)
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_session, standard_bank


class AttemptIntegrityTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=3)
        cls.blueprint = make_blueprint(
            rows=[(cls.category, t, 2, 2) for t in QuestionType.values]
        )
        cls.session = make_session(
            blueprint=cls.blueprint, people=[cls.officer, cls.officer_b], minutes=10
        )

    def start(self, user=None):
        self.login(user or self.officer)
        response = self.client.post(reverse("exams:session", args=[self.session.pk]))
        self.assertEqual(
            response.status_code, 302, getattr(response, "content", b"")[:500]
        )
        return Attempt.objects.get(session=self.session, user=user or self.officer)

    def save(self, attempt, seq, answers, **extra):
        body = {"seq": seq, "answers": answers, **extra}
        return self.client.post(
            reverse("exams:attempt_save", args=[attempt.pk]),
            json.dumps(body),
            content_type="application/json",
        )

    def test_no_key_or_analysis_in_any_response_during_attempt(self):
        attempt = self.start()
        responses = [
            self.client.get(reverse("exams:attempt", args=[attempt.pk])),
            self.client.get(reverse("exams:attempt_state", args=[attempt.pk])),
            self.client.get(reverse("exams:attempt_result", args=[attempt.pk])),
            self.client.get(reverse("exams:session", args=[self.session.pk])),
            self.client.get(reverse("exams:my_exams")),
            self.save(attempt, 1, {"1": ["A"]}),
        ]
        for response in responses:
            body = response.content.decode()
            self.assertNotIn(CANARY, body)
            self.assertNotIn("解析", body)
        page = responses[0].content.decode()
        self.assertIn("题干", page)  # the stems are there, so the grep is meaningful

    def test_exam_words_are_not_taken_from_other_apps_catalogues(self):
        """Django merges every app's catalogue; the records app's 提交/学习中/通过 won the
        shared msgids, so the exams strings carry the "exam" context."""
        self.login(self.officer)
        zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
        detail = self.client.get(reverse("exams:session", args=[self.session.pk]), **zh)
        self.assertContains(detail, "作答记录")
        self.assertContains(detail, "暂无作答记录")
        attempt = self.start()
        take = self.client.get(
            reverse("exams:attempt", args=[attempt.pk]), **zh
        ).content.decode()
        button = take.split('id="submit-attempt">', 1)[1].split("</button>", 1)[0]
        self.assertEqual(button, "交卷")
        detail = self.client.get(reverse("exams:session", args=[self.session.pk]), **zh)
        self.assertContains(detail, "作答中")
        self.assertNotContains(detail, "学习中")
        self.assertNotContains(detail, "暂无作答记录")
        with translation.override("zh-hans"):
            self.assertEqual(str(AttemptStatus.IN_PROGRESS.label), "作答中")
            self.assertEqual(translation.pgettext("exam", "Passed"), "合格")

    def test_answer_saved_and_restored_after_reload(self):
        attempt = self.start()
        slot = attempt.slots.get(order=1)
        response = self.save(attempt, 1, {"1": ["B"]})
        self.assertEqual(response.status_code, 200)
        slot.refresh_from_db()
        self.assertEqual(
            slot.response, [slot.option_order[1]]
        )  # display B → the shuffled key
        page = self.client.get(reverse("exams:attempt", args=[attempt.pk]))
        # The questions come from the cache without answers; the page adds the saved ones.
        self.assertEqual(page.context["answers"], {"1": ["B"]})
        self.assertContains(
            page,
            '<script id="exam-answers" type="application/json">{"1": ["B"]}</script>',
            html=False,
        )

    def test_replayed_or_out_of_order_save_changes_nothing(self):
        attempt = self.start()
        self.assertEqual(self.save(attempt, 5, {"1": ["A"]}).status_code, 200)
        before = AttemptQuestion.objects.get(attempt=attempt, order=1).response
        for seq in (5, 4):
            response = self.save(attempt, seq, {"1": ["C"]})
            self.assertEqual(response.status_code, 409)
            self.assertEqual(response.json()["error"]["code"], "stale")
        self.assertEqual(
            AttemptQuestion.objects.get(attempt=attempt, order=1).response, before
        )

    def test_save_after_deadline_and_grace_refused_with_clear_message(self):
        attempt = self.start()
        with time_machine.travel(attempt.deadline + timedelta(seconds=30)):
            self.assertEqual(
                self.save(attempt, 1, {"1": ["A"]}).status_code, 200
            )  # inside the grace
        with time_machine.travel(attempt.deadline + timedelta(seconds=61)):
            response = self.save(attempt, 2, {"1": ["D"]})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"]["code"], "deadline")
        self.assertEqual(
            response.json()["error"]["message"], "作答时间已结束，答案无法再保存。"
        )
        slot = AttemptQuestion.objects.get(attempt=attempt, order=1)
        self.assertEqual(slot.response, [slot.option_order[0]])

    def test_forged_client_timestamp_gains_nothing(self):
        attempt = self.start()
        early = (attempt.started_at - timedelta(minutes=10)).isoformat()
        with time_machine.travel(attempt.deadline + timedelta(minutes=2)):
            response = self.save(
                attempt, 1, {"1": ["A"]}, client_time=early, saved_at=early
            )
            self.assertEqual(response.status_code, 409)
            response = self.client.post(
                reverse("exams:attempt_save", args=[attempt.pk]),
                json.dumps({"seq": 2, "answers": {"1": ["A"]}}),
                content_type="application/json",
                HTTP_DATE="Mon, 01 Jan 2024 00:00:00 GMT",
            )
            self.assertEqual(response.status_code, 409)
        self.assertIsNone(
            AttemptQuestion.objects.get(attempt=attempt, order=1).response
        )

    def test_other_candidates_attempt_is_404(self):
        attempt = self.start(self.officer_b)
        self.login(self.officer)
        for name in ("exams:attempt", "exams:attempt_state", "exams:attempt_result"):
            self.assertEqual(
                self.client.get(reverse(name, args=[attempt.pk])).status_code, 404
            )
        self.assertEqual(self.save(attempt, 1, {"1": ["A"]}).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("exams:attempt_submit", args=[attempt.pk])
            ).status_code,
            404,
        )
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, AttemptStatus.IN_PROGRESS)

    def test_bad_payloads_get_400_not_500(self):
        attempt = self.start()
        url = reverse("exams:attempt_save", args=[attempt.pk])
        self.assertEqual(
            self.client.post(
                url, "not json", content_type="application/json"
            ).status_code,
            400,
        )
        self.assertEqual(self.save(attempt, 1, {"1": ["Z"]}).status_code, 400)
        self.assertEqual(self.save(attempt, 2, {"999": ["A"]}).status_code, 400)
        self.assertEqual(self.save(attempt, 3, {"x": ["A"]}).status_code, 400)
        single = attempt.slots.filter(
            version__question__qtype=QuestionType.SINGLE
        ).first()
        self.assertEqual(
            self.save(attempt, 4, {str(single.order): ["A", "B"]}).status_code, 400
        )

    def test_submit_grades_and_score_hidden_until_close(self):
        attempt = self.start()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("exams:attempt_submit", args=[attempt.pk]))
        attempt.refresh_from_db()
        self.assertIn(attempt.status, (AttemptStatus.MARKING, AttemptStatus.GRADED))
        self.assertEqual(Result.objects.filter(attempt=attempt).count(), 1)
        page = self.client.get(
            reverse("exams:attempt_result", args=[attempt.pk])
        ).content.decode()
        self.assertNotIn(CANARY, page)
        self.assertNotIn('id="result-score"', page)
        self.assertEqual(self.save(attempt, 9, {"1": ["A"]}).status_code, 409)

    def test_access_code_and_network(self):
        self.session.access_code = "8848"
        self.session.allowed_networks = "10.0.0.0/8"
        self.session.save()
        self.login(self.officer)
        url = reverse("exams:session", args=[self.session.pk])
        self.client.post(url, {"access_code": "1111"}, REMOTE_ADDR="10.1.2.3")
        self.assertFalse(
            Attempt.objects.filter(session=self.session, user=self.officer).exists()
        )
        self.client.post(url, {"access_code": "8848"}, REMOTE_ADDR="192.168.1.5")
        self.assertFalse(
            Attempt.objects.filter(session=self.session, user=self.officer).exists()
        )
        response = self.client.post(
            url, {"access_code": "8848"}, REMOTE_ADDR="10.1.2.3"
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Attempt.objects.filter(session=self.session, user=self.officer).exists()
        )

    def test_not_in_audience_cannot_start(self):
        self.login(self.leader)
        self.assertEqual(
            self.client.post(
                reverse("exams:session", args=[self.session.pk])
            ).status_code,
            404,
        )


class AttemptFlagTests(BaseTestCase):
    """Issue 18: the palette's flags are kept with the attempt (they were only in one
    browser's localStorage: lost on another device). Fails before: no flag endpoint."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=3)
        cls.session = make_session(
            blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 3, 2)]),
            people=[cls.officer, cls.officer_b],
        )

    start = AttemptIntegrityTests.start

    def flag(self, attempt, order, flagged):
        return self.client.post(
            reverse("exams:attempt_flag", args=[attempt.pk]),
            json.dumps({"order": order, "flagged": flagged}),
            content_type="application/json",
        )

    def test_flag_is_stored_and_given_back_to_the_page(self):
        attempt = self.start()
        self.assertEqual(self.flag(attempt, 2, True).status_code, 200)
        self.assertTrue(attempt.slots.get(order=2).flagged)
        page = self.client.get(reverse("exams:attempt", args=[attempt.pk]))
        config = json.loads(
            page.content.decode()
            .split('<script id="exam-config" type="application/json">')[1]
            .split("</script>")[0]
        )
        self.assertEqual(config["flagged"], [2])
        self.assertNotIn(CANARY, page.content.decode())
        self.assertEqual(self.flag(attempt, 2, False).status_code, 200)
        self.assertFalse(attempt.slots.get(order=2).flagged)

    def test_flag_refused_for_others_bad_input_and_after_submit(self):
        other = self.start(self.officer_b)
        attempt = self.start()
        self.assertEqual(self.flag(other, 1, True).status_code, 404)
        self.assertFalse(other.slots.filter(flagged=True).exists())
        self.assertEqual(self.flag(attempt, 999, True).status_code, 400)
        self.assertEqual(self.flag(attempt, 1, "yes").status_code, 400)
        self.client.post(reverse("exams:attempt_submit", args=[attempt.pk]))
        self.assertEqual(self.flag(attempt, 1, True).status_code, 409)
        self.assertFalse(attempt.slots.filter(flagged=True).exists())


class PracticeReviewTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=2)
        blueprint = make_blueprint(rows=[(cls.category, QuestionType.SINGLE, 2, 5)])
        cls.session = make_session(
            blueprint=blueprint,
            people=[cls.officer],
            kind=ExamSession.Kind.PRACTICE,
            review_score="after_submit",
            review_answers="after_submit",
            attempts_allowed=3,
        )

    def test_practice_shows_answers_and_analysis_after_submit(self):
        self.login(self.officer)
        self.client.post(reverse("exams:session", args=[self.session.pk]))
        attempt = Attempt.objects.get(user=self.officer)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("exams:attempt_submit", args=[attempt.pk]))
        page = self.client.get(
            reverse("exams:attempt_result", args=[attempt.pk])
        ).content.decode()
        self.assertIn(CANARY, page)
        self.assertIn('id="result-score"', page)


class SweepTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=2)
        blueprint = make_blueprint(rows=[(cls.category, QuestionType.SINGLE, 2, 5)])
        cls.session = make_session(
            blueprint=blueprint, people=[cls.officer], minutes=10
        )

    def test_sweep_submits_what_was_saved_after_grace(self):
        attempt = services.attempt_start(session=self.session, user=self.officer)
        services.attempt_save(
            attempt_id=attempt.pk, user=self.officer, seq=1, answers={"1": ["A"]}
        )
        self.assertEqual(
            services.overdue_sweep(now=attempt.deadline + timedelta(seconds=30)), 0
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                services.overdue_sweep(now=attempt.deadline + timedelta(seconds=61)), 1
            )
        attempt.refresh_from_db()
        self.assertTrue(attempt.submitted_by_sweep)
        self.assertEqual(attempt.status, AttemptStatus.GRADED)
        self.assertIsNotNone(attempt.slots.get(order=1).response)

    def test_deadline_submit_spread_stays_inside_a_third_of_the_grace(self):
        with self.settings(
            EXAMS_DEADLINE_SUBMIT_SPREAD_SECONDS=15, EXAMS_GRACE_SECONDS=60
        ):
            self.assertEqual(services.deadline_submit_spread_seconds(), 15)
            attempt = services.attempt_start(session=self.session, user=self.officer)
            self.login(self.officer)
            page = self.client.get(reverse("exams:attempt", args=[attempt.pk]))
            self.assertContains(page, '"submitSpreadMs": 15000')
        with self.settings(
            EXAMS_DEADLINE_SUBMIT_SPREAD_SECONDS=30, EXAMS_GRACE_SECONDS=30
        ):
            self.assertEqual(services.deadline_submit_spread_seconds(), 10)

    def test_deadline_never_after_window_close(self):
        self.session.closes_at = timezone.now() + timedelta(minutes=3)
        self.session.save()
        attempt = services.attempt_start(session=self.session, user=self.officer)
        self.assertEqual(attempt.deadline, self.session.closes_at)
