"""The demo seeder: at least 150 valid questions of every type citing real articles,
one practice set and one qualification-style exam open; idempotent."""

from __future__ import annotations

from collections import Counter

from django.test import TestCase
from django.utils import timezone

from exams import demo
from exams.models import ExamSession, Question, QuestionType
from exams.services import question_validate


class DemoTests(TestCase):
    def test_demo_questions_are_valid_and_cover_every_type(self):
        questions = demo.build_questions()
        self.assertGreaterEqual(len(questions), 150)
        self.assertEqual(len({q["key"] for q in questions}), len(questions))
        self.assertEqual(
            set(Counter(q["qtype"] for q in questions)), set(QuestionType.values)
        )
        for q in questions:
            self.assertEqual(
                question_validate(qtype=q["qtype"], content=q["content"]), [], q["key"]
            )
            self.assertTrue(q["refs"], q["key"])
            self.assertTrue(all("第" in r and "条" in r for r in q["refs"]))

    def test_known_facts_are_right(self):
        by_key = {q["key"]: q for q in demo.build_questions()}
        theft = by_key["demo:charge-single-盗窃罪"]
        right = [
            o["text"]
            for o in theft["content"]["options"]
            if o["key"] in theft["content"]["answer"]
        ]
        self.assertEqual(right, ["盗窃罪"])
        self.assertEqual(theft["refs"], ["刑法第二百六十四条"])
        self.assertEqual(
            by_key["demo:charge-single-危险驾驶罪"]["refs"], ["刑法第一百三十三条之一"]
        )

    def test_seed_is_idempotent_and_opens_two_sessions(self):
        from accounts import demo as accounts_demo

        accounts_demo.seed(None)
        demo.seed(None)
        demo.seed(None)
        self.assertEqual(
            Question.objects.filter(source="demo").count(), len(demo.build_questions())
        )
        now = timezone.now()
        open_sessions = ExamSession.objects.filter(opens_at__lte=now, closes_at__gt=now)
        self.assertEqual(
            set(open_sessions.values_list("kind", flat=True)), {"exam", "practice"}
        )
        exam = open_sessions.get(kind="exam")
        self.assertGreater(
            exam.attempts.count(), 10
        )  # papers prepared ahead for the audience
