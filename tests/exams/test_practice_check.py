"""Practice with immediate feedback: a candidate checks one answered question and sees
right or wrong, its key and analysis (that question only, then locked); the key of any
unchecked question never reaches the browser; exams refuse the check."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from exams import services
from exams.models import Attempt, AttemptQuestion, ExamSession, QuestionType
from tests.base import BaseTestCase

from .factories import make_blueprint, make_question, make_session

CANARY_RE = re.compile(r"CANARY-Q(\d+)-")


class PracticeCheckTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from exams.services import category_get_or_create

        cls.category = category_get_or_create(subject="练兵", topic="即时反馈")
        n = 0
        for qtype in QuestionType.values:
            for _ in range(2):
                n += 1
                # A distinct canary per question: which keys reached the browser is visible.
                make_question(
                    category=cls.category, qtype=qtype, canary=f"CANARY-Q{n}-", n=n
                )
        cls.blueprint = make_blueprint(
            rows=[(cls.category, t, 2, 2) for t in QuestionType.values]
        )
        cls.practice = make_session(
            blueprint=cls.blueprint,
            people=[cls.officer],
            title="网上练兵",
            kind=ExamSession.Kind.PRACTICE,
            attempts_allowed=5,
            review_answers=ExamSession.ReviewWhen.AFTER_SUBMIT,
            review_score=ExamSession.ReviewWhen.AFTER_SUBMIT,
        )
        cls.exam = make_session(
            blueprint=cls.blueprint,
            people=[cls.officer],
            title="执法资格考试",
            review_answers=ExamSession.ReviewWhen.AFTER_SUBMIT,
        )

    def start(self, session):
        self.login(self.officer)
        response = self.client.post(reverse("exams:session", args=[session.pk]))
        self.assertEqual(response.status_code, 302)
        return Attempt.objects.filter(session=session, user=self.officer).latest(
            "number"
        )

    def slot(self, attempt, qtype):
        return (
            AttemptQuestion.objects.filter(
                attempt=attempt, version__question__qtype=qtype
            )
            .select_related("version")
            .order_by("order")
            .first()
        )

    def canary_of(self, slot) -> str:
        return CANARY_RE.search(slot.version.analysis).group(0)

    def save(self, attempt, seq, answers):
        return self.client.post(
            reverse("exams:attempt_save", args=[attempt.pk]),
            json.dumps({"seq": seq, "answers": answers}),
            content_type="application/json",
        )

    def check(self, attempt, order):
        return self.client.post(
            reverse("exams:attempt_check", args=[attempt.pk]),
            json.dumps({"order": order}),
            content_type="application/json",
        )

    def test_check_shows_that_question_only_and_locks_it(self):
        attempt = self.start(self.practice)
        single = self.slot(attempt, QuestionType.SINGLE)
        other = self.slot(attempt, QuestionType.MULTIPLE)
        # The key of the single-choice question is "B": find its display letter.
        right_letter = services.keys_to_display(single.option_order, ["B"])[0]
        responses = [
            self.client.get(reverse("exams:attempt", args=[attempt.pk])),
            self.save(
                attempt, 1, {str(single.order): [right_letter], str(other.order): ["A"]}
            ),
        ]
        for response in responses:
            self.assertIsNone(
                CANARY_RE.search(response.content.decode()),
                "a key reached the browser before a check",
            )
        checked = self.check(attempt, single.order)
        self.assertEqual(checked.status_code, 200, checked.content[:300])
        feedback = checked.json()["feedback"]
        self.assertTrue(feedback["correct"])
        self.assertEqual(feedback["answer"], right_letter)
        self.assertIn(self.canary_of(single), feedback["analysis"])
        # Every response, the check's and the reloaded page's included, carries only the
        # checked question's canary.
        responses = [
            checked,
            self.client.get(reverse("exams:attempt", args=[attempt.pk])),
            self.client.get(reverse("exams:attempt_state", args=[attempt.pk])),
            self.client.get(reverse("exams-api-attempt", args=[attempt.pk])),
        ]
        for response in responses:
            found = {m.group(0) for m in CANARY_RE.finditer(response.content.decode())}
            self.assertLessEqual(
                found, {self.canary_of(single)}, response.request["PATH_INFO"]
            )
        self.assertIn(self.canary_of(single), responses[1].content.decode())
        # Locked: a later save of that question is refused, the others still save.
        refused = self.save(attempt, 2, {str(single.order): ["A"]})
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["error"]["code"], "checked")
        self.assertEqual(
            refused.json()["error"]["message"],
            f"第{single.order}题已核对答案，不能再修改。",
        )
        self.assertEqual(
            self.save(attempt, 3, {str(other.order): ["B"]}).status_code, 200
        )
        single.refresh_from_db()
        self.assertEqual(
            services.keys_to_display(single.option_order, single.response),
            [right_letter],
        )
        # Checking again gives the same answer and changes nothing.
        self.assertEqual(self.check(attempt, single.order).json()["feedback"], feedback)

    def test_wrong_answer_and_unanswered_question(self):
        attempt = self.start(self.practice)
        single = self.slot(attempt, QuestionType.SINGLE)
        wrong_letter = services.keys_to_display(single.option_order, ["A"])[0]
        unanswered = self.check(attempt, single.order)
        self.assertEqual(unanswered.status_code, 409)
        self.assertEqual(
            unanswered.json()["error"]["message"],
            f"第{single.order}题：请先作答再核对。",
        )
        self.save(attempt, 1, {str(single.order): [wrong_letter]})
        feedback = self.check(attempt, single.order).json()["feedback"]
        self.assertFalse(feedback["correct"])
        self.assertEqual(feedback["score"], "0.00")

    def test_exam_refuses_the_check(self):
        attempt = self.start(self.exam)
        single = self.slot(attempt, QuestionType.SINGLE)
        self.save(attempt, 1, {str(single.order): ["A"]})
        response = self.check(attempt, single.order)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json()["error"]["message"],
            "只有练习可以逐题核对答案；考试结果在考试结束后公布。",
        )
        self.assertIsNone(CANARY_RE.search(response.content.decode()))
        self.assertIsNone(AttemptQuestion.objects.get(pk=single.pk).checked_at)
        page = self.client.get(
            reverse("exams:attempt", args=[attempt.pk])
        ).content.decode()
        self.assertNotIn("check-btn", page)

    def test_practice_without_immediate_feedback_refuses(self):
        self.practice.review_answers = ExamSession.ReviewWhen.AFTER_CLOSE
        self.practice.save()
        attempt = self.start(self.practice)
        single = self.slot(attempt, QuestionType.SINGLE)
        self.save(attempt, 1, {str(single.order): ["A"]})
        self.assertEqual(self.check(attempt, single.order).status_code, 403)

    def test_another_persons_attempt_is_404(self):
        attempt = self.start(self.practice)
        self.login(self.officer_b)
        self.assertEqual(self.check(attempt, 1).status_code, 404)

    def test_api_check(self):
        attempt = self.start(self.practice)
        single = self.slot(attempt, QuestionType.TRUE_FALSE)
        self.save(attempt, 1, {str(single.order): ["A"]})
        response = self.client.post(
            reverse("exams-api-check", args=[attempt.pk]),
            {"order": single.order},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content[:300])
        self.assertIn(self.canary_of(single), response.json()["analysis"])
