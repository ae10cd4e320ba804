"""Services: scoring rules, versioning, drawing, grading idempotency, marking with a
second marker and adjudication, regrade and voiding, records and certificates."""

from __future__ import annotations

import random
from decimal import Decimal

from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from exams import scoring, services
from exams.drawing import paper_draw
from exams.models import (
    Attempt,
    AttemptStatus,
    Blueprint,
    BlueprintItem,
    Certificate,
    ExamGrade,
    ExamSession,
    MarkingTask,
    Question,
    QuestionAdjustment,
    QuestionType,
    Result,
)
from records.models import Assignment, AssignmentStatus, CreditEntry
from tests.base import BaseTestCase

from .factories import make_blueprint, make_question, make_session, standard_bank

OPTS = [{"key": k, "text": k} for k in "ABCD"]


class ScoringTests(BaseTestCase):
    def test_multiple_choice_rules(self):
        f = scoring.choice_fraction
        kw = {
            "qtype": QuestionType.MULTIPLE,
            "options": OPTS,
            "answer": ["A", "B", "C"],
        }
        self.assertEqual(f(response=["A", "B", "C"], rule="all", **kw), 1)
        self.assertEqual(f(response=["A", "B"], rule="all", **kw), 0)
        self.assertEqual(f(response=["A", "B"], rule="partial", **kw), Decimal(2) / 3)
        self.assertEqual(f(response=["A", "D"], rule="partial", **kw), 0)
        self.assertEqual(
            f(response=["A", "D"], rule="per_option", **kw), Decimal(1) / 4
        )  # only A judged right
        self.assertEqual(f(response=[], rule="per_option", **kw), 0)

    def test_single_and_fill_in(self):
        self.assertEqual(
            scoring.choice_fraction(
                qtype="single", options=OPTS, answer=["B"], response=["B"]
            ),
            1,
        )
        self.assertEqual(
            scoring.choice_fraction(
                qtype="single", options=OPTS, answer=["B"], response=["A"]
            ),
            0,
        )
        self.assertEqual(
            scoring.fill_in_fraction(
                answer=[["24小时", "二十四小时"], ["48"]], response=["２４ 小时", "47"]
            ),
            Decimal("0.5"),
        )


class QuestionVersionTests(BaseTestCase):
    def test_edit_before_use_changes_in_place_and_after_use_creates_version(self):
        category = standard_bank(n_each=1)
        question = Question.objects.filter(qtype=QuestionType.SINGLE).first()
        v1 = question.current_version
        services.question_edit(question=question, content={"stem": "改过的题干"})
        question.refresh_from_db()
        self.assertEqual(question.current_version_id, v1.pk)
        session = make_session(
            blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 1, 1)]),
            people=[self.officer],
        )
        attempt = services.attempt_start(session=session, user=self.officer)
        services.question_edit(
            question=question, content={"stem": "第二版题干"}, actor=self.trainer
        )
        question.refresh_from_db()
        self.assertEqual(question.current_version.number, 2)
        slot = attempt.slots.get()
        self.assertEqual(slot.version.stem, "改过的题干")

    def test_invalid_content_refused(self):
        category = standard_bank(n_each=1)
        with self.assertRaises(ValidationError):
            services.question_create(
                category=category,
                qtype=QuestionType.SINGLE,
                content={"stem": "x", "options": OPTS, "answer": ["E"]},
            )


class DrawingTests(BaseTestCase):
    def test_draw_avoids_seen_questions_and_balances_difficulty(self):
        category = standard_bank(n_each=10)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 5, 1)])
        session = make_session(
            blueprint=blueprint, people=[self.officer], attempts_allowed=2
        )
        first = services.attempt_prepare(session=session, user=self.officer)
        seen = set(first.slots.values_list("version__question_id", flat=True))
        second = paper_draw(
            blueprint=blueprint, user=self.officer, rng=random.Random(1)
        )
        self.assertFalse(seen & {d.version.question_id for d in second})
        pool_mean = (
            sum(
                Question.objects.filter(qtype="single").values_list(
                    "difficulty", flat=True
                )
            )
            / 10
        )
        means = []
        for seed in range(20):
            drawn = paper_draw(
                blueprint=blueprint, user=self.officer_b, rng=random.Random(seed)
            )
            means.append(sum(d.version.question.difficulty for d in drawn) / 5)
        self.assertTrue(all(abs(m - pool_mean) <= 0.4 for m in means), means)

    def test_fixed_paper(self):
        category = standard_bank(n_each=1)
        blueprint = Blueprint.objects.create(name="固定卷", mode=Blueprint.Mode.FIXED)
        for i, q in enumerate(Question.objects.filter(category=category)[:3]):
            BlueprintItem.objects.create(
                blueprint=blueprint, question=q, points=5, sort_order=i
            )
        drawn = paper_draw(blueprint=blueprint, user=self.officer)
        self.assertEqual(len(drawn), 3)


class GradingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=2)
        cls.blueprint = make_blueprint(
            rows=[
                (cls.category, QuestionType.SINGLE, 2, 10),
                (cls.category, QuestionType.CASE, 1, 20),
            ]
        )

    def sit(self, session, user, answers):
        attempt = services.attempt_start(session=session, user=user)
        services.attempt_save(attempt_id=attempt.pk, user=user, seq=1, answers=answers)
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=attempt)
        attempt.refresh_from_db()
        return attempt

    def right_letter(self, attempt, order):
        slot = attempt.slots.get(order=order)
        return chr(ord("A") + slot.option_order.index(slot.version.answer[0]))

    def test_grading_twice_gives_one_result(self):
        session = make_session(blueprint=self.blueprint, people=[self.officer])
        attempt = self.sit(session, self.officer, {})
        first = Result.objects.get(attempt=attempt)
        again = services.attempt_grade(attempt_id=attempt.pk)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Result.objects.filter(attempt=attempt).count(), 1)

    def test_case_goes_to_marking_then_second_marker_and_adjudication(self):
        session = make_session(
            blueprint=self.blueprint,
            people=[self.officer],
            second_marking=True,
            marking_margin=Decimal(1),
            pass_mark=Decimal(50),
            issue_certificate=True,
            credit_hours=Decimal(2),
            review_score="after_submit",
        )
        start = services.attempt_start(session=session, user=self.officer)
        answers = {
            "1": [self.right_letter(start, 1)],
            "2": [self.right_letter(start, 2)],
            "3": {"1": None, "2": "行为人以非法占有为目的，秘密窃取他人财物。"},
        }
        services.attempt_save(
            attempt_id=start.pk, user=self.officer, seq=1, answers=answers
        )
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=start)
        attempt = Attempt.objects.get(pk=start.pk)
        self.assertEqual(attempt.status, AttemptStatus.MARKING)
        task1 = MarkingTask.objects.get(slot__attempt=attempt, round=1)
        services.marking_submit(task=task1, marker=self.trainer, points={"2": [2, 2]})
        task2 = MarkingTask.objects.get(slot__attempt=attempt, round=2)
        with self.assertRaises(ValidationError):
            services.marking_submit(
                task=task2, marker=self.trainer, points={"2": [0, 0]}
            )
        services.marking_submit(
            task=task2, marker=self.legal_officer, points={"2": [1, 0]}
        )
        task3 = MarkingTask.objects.get(
            slot__attempt=attempt, round=3
        )  # 4 vs 1 > margin 1
        with self.captureOnCommitCallbacks(execute=True):
            services.marking_submit(
                task=task3, marker=self.system_admin, points={"2": [2, 1]}
            )
        result = Result.objects.get(attempt=attempt)
        # 10 + 10 + case: choice part 0 of weight 2, essay 3 of 4 → 20 * 3/6 = 10.
        self.assertEqual(result.score, Decimal(30))
        self.assertTrue(result.final and result.passed)
        self.assertEqual(
            CreditEntry.objects.filter(user=self.officer, source_type="exam").count(), 1
        )
        self.assertEqual(
            Assignment.objects.get(
                user=self.officer, item__item_id=str(session.pk)
            ).status,
            AssignmentStatus.COMPLETED,
        )
        self.assertTrue(
            Certificate.objects.filter(
                session=session, user=self.officer, revoked=False
            ).exists()
        )
        extra = MarkingTask.objects.create(slot=task3.slot, round=4)
        with self.assertRaises(ValidationError):  # more than the rubric item's 2 points
            services.marking_submit(
                task=extra, marker=self.leader, points={"2": [9, 0]}
            )

    def test_regrade_dry_run_then_apply_and_void(self):
        session = make_session(
            blueprint=make_blueprint(
                rows=[(self.category, QuestionType.SINGLE, 2, 50)]
            ),
            people=[self.officer],
            pass_mark=Decimal(60),
            issue_certificate=True,
        )
        start = services.attempt_start(session=session, user=self.officer)
        wrong = {
            str(o): [
                next(
                    chr(ord("A") + i)
                    for i, k in enumerate(s.option_order)
                    if k != s.version.answer[0]
                )
            ]
            for o, s in ((s.order, s) for s in start.slots.all())
        }
        services.attempt_save(
            attempt_id=start.pk, user=self.officer, seq=1, answers=wrong
        )
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=start)
        result = Result.objects.get(attempt=start)
        self.assertEqual(result.percent, 0)
        slot = start.slots.get(order=1)
        services.version_key_fix(
            version=slot.version, answer=slot.response, actor=self.trainer
        )
        changes = services.session_regrade(
            session=session, dry_run=True, actor=self.trainer
        )
        self.assertEqual(
            [(c.old_percent, c.new_percent) for c in changes],
            [(Decimal(0), Decimal(50))],
        )
        self.assertEqual(
            Result.objects.get(attempt=start).percent, 0
        )  # dry run wrote nothing
        with self.captureOnCommitCallbacks(execute=True):
            services.session_regrade(session=session, dry_run=False, actor=self.trainer)
        self.assertEqual(Result.objects.get(attempt=start).percent, 50)
        with self.captureOnCommitCallbacks(execute=True):
            services.question_void(
                session=session,
                question=start.slots.get(order=2).version.question,
                mode=QuestionAdjustment.Mode.REMOVE,
                actor=self.trainer,
            )
        result = Result.objects.get(attempt=start)
        self.assertEqual(
            (result.score, result.max_score, result.percent),
            (Decimal(50), Decimal(50), Decimal(100)),
        )
        self.assertTrue(
            ExamGrade.objects.get(session=session, user=self.officer).passed
        )
        self.assertTrue(
            Certificate.objects.filter(session=session, user=self.officer).exists()
        )
        self.assertTrue(AuditEntry.objects.filter(action="exams.regrade").exists())
        self.assertTrue(AuditEntry.objects.filter(action="exams.key_fix").exists())
        self.assertTrue(
            AuditEntry.objects.filter(action="exams.question_void").exists()
        )

    def test_grading_methods(self):
        session = make_session(
            blueprint=make_blueprint(
                rows=[(self.category, QuestionType.SINGLE, 2, 50)]
            ),
            people=[self.officer],
            attempts_allowed=2,
            grading_method=ExamSession.GradingMethod.AVERAGE,
        )
        first = services.attempt_start(session=session, user=self.officer)
        services.attempt_save(
            attempt_id=first.pk,
            user=self.officer,
            seq=1,
            answers={
                "1": [self.right_letter(first, 1)],
                "2": [self.right_letter(first, 2)],
            },
        )
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=first)
        self.sit(session, self.officer, {})
        self.assertEqual(
            ExamGrade.objects.get(session=session, user=self.officer).percent, 50
        )
        with self.assertRaises(services.ExamError):
            services.attempt_start(session=session, user=self.officer)

    def test_overrides_extra_time_and_attempt(self):
        from exams.models import ExamOverride

        session = make_session(
            blueprint=make_blueprint(rows=[(self.category, QuestionType.SINGLE, 1, 1)]),
            people=[self.officer],
            minutes=20,
        )
        ExamOverride.objects.create(
            session=session, user=self.officer, extra_minutes=10, extra_attempts=1
        )
        attempt = services.attempt_start(session=session, user=self.officer)
        self.assertEqual(
            (attempt.deadline - attempt.started_at).total_seconds(), 30 * 60
        )
        self.assertEqual(
            services.session_availability(
                session=session, user=self.officer
            ).attempts_allowed,
            2,
        )


class PrepareTests(BaseTestCase):
    def test_prepared_attempts_are_used_at_start(self):
        category = standard_bank(n_each=2)
        session = make_session(
            blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 1)]),
            units=[self.branch_a],
        )
        created = services.session_prepare_attempts(session=session)
        self.assertGreaterEqual(
            created, 3
        )  # officer, legal officer, leader, admin under branch A
        self.assertEqual(services.session_prepare_attempts(session=session), 0)
        prepared = Attempt.objects.get(session=session, user=self.officer)
        started = services.attempt_start(session=session, user=self.officer)
        self.assertEqual(prepared.pk, started.pk)
        self.assertFalse(
            Attempt.objects.filter(session=session, user=self.officer_b).exists()
        )

    def test_assignments_synced_to_records(self):
        category = standard_bank(n_each=1)
        session = make_session(
            blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 1, 1)]),
            units=[self.station_a1],
            people=[self.officer_b],
        )
        added, _released = services.session_sync_assignments(session=session)
        self.assertEqual(added, 2)


class CitationTests(BaseTestCase):
    def test_questions_register_as_citation_source(self):
        from casebank.citations import citation_sources
        from exams.apps import questions_citing

        self.assertIn(questions_citing, citation_sources())
        question = make_question()
        self.assertEqual(list(questions_citing(set())), [])
        self.assertEqual(
            question.get_absolute_url(), f"/exams/manage/questions/{question.pk}/"
        )
