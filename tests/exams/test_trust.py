"""Results a force can trust (issue 14): one review policy asked by every surface, and
credits that follow the result through regrades, voids and revocations."""

from __future__ import annotations

import io
import os
import sys
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import time_machine

from audit.models import AuditEntry
from exams import services
from exams.models import (
    Certificate,
    ExamGrade,
    ExamSession,
    MarkingTask,
    QuestionAdjustment,
    QuestionType,
)
from records.models import (
    Assignment,
    AssignmentStatus,
    CreditEntry,
    LearningEvent,
    Notification,
)
from records.selectors import person_record_get
from records.xapi import statement_for
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_question, make_session


def record_text(person):
    """The person's record and ledger as ``manage.py record_show`` prints it; shown on
    the terminal too with SHOW_RECORDS=1 (the record before/after a regrade)."""
    out = io.StringIO()
    call_command("record_show", person.username, stdout=out)
    if os.environ.get("SHOW_RECORDS"):
        sys.stdout.write(out.getvalue())
    return out.getvalue()


class TrustTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.questions = [
            make_question(qtype=QuestionType.SINGLE, n=i) for i in range(4)
        ]
        cls.category = cls.questions[0].category

    def make(self, **kwargs):
        defaults = {
            "people": [self.officer],
            "pass_mark": Decimal(60),
            "issue_certificate": True,
            "credit_hours": Decimal(4),
            "review_score": ExamSession.ReviewWhen.AFTER_SUBMIT,
            "review_answers": ExamSession.ReviewWhen.AFTER_SUBMIT,
        }
        defaults.update(kwargs)
        return make_session(
            blueprint=make_blueprint(
                rows=[(self.category, QuestionType.SINGLE, 4, 25)]
            ),
            **defaults,
        )

    def sit(self, session, right, user=None):
        """Sit ``session`` answering ``right`` questions right (in paper order)."""
        user = user or self.officer
        attempt = services.attempt_start(session=session, user=user)
        answers = {}
        for slot in attempt.slots.order_by("order"):
            key = slot.version.answer[0]
            letters = [chr(ord("A") + i) for i, k in enumerate(slot.option_order)]
            right_letter = letters[slot.option_order.index(key)]
            wrong_letter = next(x for x in letters if x != right_letter)
            answers[str(slot.order)] = [
                right_letter if slot.order <= right else wrong_letter
            ]
        services.attempt_save(attempt_id=attempt.pk, user=user, seq=1, answers=answers)
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=attempt)
        return attempt

    def assignment(self, session, user=None):
        return Assignment.objects.get(
            user=user or self.officer, item__item_id=str(session.pk)
        )

    def net_hours(self, user=None):
        return sum(
            CreditEntry.objects.filter(user=user or self.officer).values_list(
                "hours", flat=True
            ),
            Decimal(0),
        )


class CreditsFollowTheResultTests(TrustTestCase):
    def test_pass_to_fail_after_a_regrade_reverses_everything(self):
        session = self.make()
        attempt = self.sit(session, right=3)  # 75 %: a pass
        self.assertEqual(self.assignment(session).status, AssignmentStatus.COMPLETED)
        self.assertEqual(self.net_hours(), Decimal(4))
        before = record_text(self.officer)
        self.assertIn(
            "exam 执法资格考试（测试）: completed, score 75.00, passed True", before
        )
        # Two keys were wrong: the officer's right answers were not right after all.
        for slot in attempt.slots.filter(order__in=[1, 2]):
            other = next(k for k in slot.option_order if k != slot.version.answer[0])
            services.version_key_fix(
                version=slot.version, answer=[other], actor=self.trainer
            )
        with self.captureOnCommitCallbacks(execute=True):
            services.session_regrade(session=session, dry_run=False, actor=self.trainer)
        after = record_text(self.officer)
        self.assertIn("score 25.00, passed False, not completed", after)
        self.assertIn("reversal of #", after)
        grade = ExamGrade.objects.get(session=session, user=self.officer)
        self.assertFalse(grade.passed)
        assignment = self.assignment(session)
        self.assertEqual(assignment.status, AssignmentStatus.IN_PROGRESS)
        self.assertIsNone(assignment.completed_at)
        self.assertFalse(assignment.passed)
        self.assertEqual(assignment.score, Decimal("25.00"))
        # The ledger keeps the credit and its reversal; the net is nothing.
        entries = list(CreditEntry.objects.filter(user=self.officer).order_by("seq"))
        self.assertEqual([e.hours for e in entries], [Decimal(4), Decimal(-4)])
        self.assertEqual(entries[1].reverses_id, entries[0].pk)
        self.assertEqual(self.net_hours(), 0)
        self.assertTrue(
            Certificate.objects.get(session=session, user=self.officer).revoked
        )
        note = Notification.objects.get(user=self.officer, kind="result_changed")
        self.assertIn("25.00%", note.body)
        record = person_record_get(self.officer)
        self.assertEqual(record.current.total, 0)
        self.assertEqual(record.certificates, [])

    def test_fail_to_pass_after_a_void_credits_once_and_notifies(self):
        session = self.make()
        attempt = self.sit(session, right=2)  # 50 %: a fail
        self.assertFalse(self.assignment(session).passed)
        self.assertEqual(self.net_hours(), 0)
        self.assertFalse(Certificate.objects.filter(session=session).exists())
        wrong_slot = attempt.slots.get(order=3)
        with self.captureOnCommitCallbacks(execute=True):
            services.question_void(
                session=session,
                question=wrong_slot.version.question,
                mode=QuestionAdjustment.Mode.FULL_MARKS,
                actor=self.trainer,
            )
        assignment = self.assignment(session)
        self.assertEqual(assignment.status, AssignmentStatus.COMPLETED)
        self.assertTrue(assignment.passed)
        self.assertEqual(self.net_hours(), Decimal(4))
        self.assertFalse(
            Certificate.objects.get(session=session, user=self.officer).revoked
        )
        note = Notification.objects.get(user=self.officer, kind="result_changed")
        self.assertIn("75.00%", note.body)

    def test_pass_fail_pass_keeps_every_entry(self):
        session = self.make()
        attempt = self.sit(session, right=3)
        slots = list(attempt.slots.filter(order__in=[1, 2]))
        keys = [slot.version.answer for slot in slots]
        wrong = [
            [next(k for k in slot.option_order if k != slot.version.answer[0])]
            for slot in slots
        ]
        for answers in (wrong, keys):
            for slot, answer in zip(slots, answers, strict=True):
                services.version_key_fix(
                    version=slot.version, answer=answer, actor=self.trainer
                )
            with self.captureOnCommitCallbacks(execute=True):
                services.session_regrade(
                    session=session, dry_run=False, actor=self.trainer
                )
        hours = list(
            CreditEntry.objects.filter(user=self.officer)
            .order_by("seq")
            .values_list("hours", flat=True)
        )
        self.assertEqual(hours, [Decimal(4), Decimal(-4), Decimal(4)])
        self.assertEqual(self.assignment(session).status, AssignmentStatus.COMPLETED)
        self.assertEqual(
            Notification.objects.filter(
                user=self.officer, kind="result_changed"
            ).count(),
            2,
        )

    def test_a_revoked_certificate_withdraws_the_hours_and_stays_revoked(self):
        session = self.make()
        self.sit(session, right=4)
        certificate = Certificate.objects.get(session=session, user=self.officer)
        with self.captureOnCommitCallbacks(execute=True):
            services.certificate_revoke(
                certificate=certificate, reason="考试作弊查实", actor=self.trainer
            )
        self.assertEqual(self.net_hours(), 0)
        self.assertEqual(self.assignment(session).status, AssignmentStatus.IN_PROGRESS)
        self.assertTrue(
            Notification.objects.filter(
                user=self.officer, kind="result_changed"
            ).exists()
        )
        # A later regrade does not restore a certificate revoked by hand.
        with self.captureOnCommitCallbacks(execute=True):
            services.session_regrade(session=session, dry_run=False, actor=self.trainer)
        certificate.refresh_from_db()
        self.assertTrue(certificate.revoked)
        self.assertEqual(self.net_hours(), 0)
        self.client.force_login(self.officer)
        verify = self.client.get(reverse("exams:verify"), {"code": certificate.code})
        self.assertContains(verify, "已撤销")


class ReviewPolicyEverywhereTests(TrustTestCase):
    def surfaces(self, session, attempt):
        """What the candidate sees of their result on every surface."""
        self.client.force_login(self.officer)
        certificate = Certificate.objects.filter(session=session).first()
        out = {
            "session_page": self.client.get(
                reverse("exams:session", args=[session.pk])
            ).content.decode(),
            "result_page": self.client.get(
                reverse("exams:attempt_result", args=[attempt.pk])
            ).content.decode(),
            "record_page": self.client.get("/records/me/").content.decode(),
            "record_api": self.client.get("/api/v1/my/record").json(),
            "exams_api": self.client.get("/api/v1/exams/sessions/").json(),
            "attempt_api": self.client.get(
                f"/api/v1/exams/attempts/{attempt.pk}/"
            ).json(),
            "certificate": self.client.get(
                reverse("exams:certificate", args=[certificate.code])
            ).status_code
            if certificate
            else None,
        }
        self.client.logout()
        out["verify"] = (
            self.client.get(
                reverse("exams:verify"), {"code": certificate.code}
            ).content.decode()
            if certificate
            else ""
        )
        return out

    def assert_hidden(self, seen):
        self.assertNotIn("100.00%", seen["session_page"])
        self.assertNotIn("下载证书", seen["session_page"])
        self.assertNotIn('id="result-score"', seen["result_page"])
        self.assertNotIn("下载证书", seen["result_page"])
        self.assertNotIn("100.00", seen["record_page"])
        self.assertIn("成绩待公布", seen["record_page"])
        self.assertEqual(seen["record_api"]["years"][0]["total"], "0.00")
        exam = seen["record_api"]["exams"][0]
        self.assertEqual((exam["score"], exam["passed"]), (None, None))
        self.assertEqual(seen["exams_api"][0]["grade"], None)
        self.assertNotIn("result", seen["attempt_api"])
        self.assertEqual(seen["certificate"], 404)
        self.assertIn("有效", seen["verify"])
        self.assertNotIn("100.00%", seen["verify"])

    def test_never_means_never_on_every_surface(self):
        session = self.make(
            review_score=ExamSession.ReviewWhen.NEVER,
            review_answers=ExamSession.ReviewWhen.NEVER,
        )
        attempt = self.sit(session, right=4)
        self.assert_hidden(self.surfaces(session, attempt))
        # Even after the session closes.
        ExamSession.objects.filter(pk=session.pk).update(
            opens_at=timezone.now() - timedelta(days=2),
            closes_at=timezone.now() - timedelta(days=1),
        )
        session.refresh_from_db()
        services.session_tracked_item(session)
        self.assert_hidden(self.surfaces(session, attempt))
        # The LRS hears that the officer sat it, not how it went.
        event = LearningEvent.objects.get(actor=self.officer, object_type="exam")
        statement = statement_for(event, withhold=True)
        self.assertNotIn("result", statement)
        # The admins' view of the person keeps the result.
        self.assertTrue(person_record_get(self.officer).exams[0].passed)

    def test_after_close_shows_nothing_before_the_close_and_everything_after(self):
        session = self.make(
            review_score=ExamSession.ReviewWhen.AFTER_CLOSE,
            review_answers=ExamSession.ReviewWhen.AFTER_CLOSE,
        )
        services.session_tracked_item(session)
        attempt = self.sit(session, right=4)
        self.assert_hidden(self.surfaces(session, attempt))
        ExamSession.objects.filter(pk=session.pk).update(
            opens_at=timezone.now() - timedelta(days=2),
            closes_at=timezone.now() - timedelta(minutes=1),
        )
        session.refresh_from_db()
        services.session_tracked_item(session)
        seen = self.surfaces(session, attempt)
        self.assertIn("100.00", seen["session_page"])
        self.assertIn("下载证书", seen["session_page"])
        self.assertIn('id="result-score"', seen["result_page"])
        self.assertIn("100.00", seen["record_page"])
        self.assertEqual(seen["record_api"]["years"][0]["total"], "4.00")
        self.assertEqual(seen["exams_api"][0]["grade"]["passed"], True)
        self.assertEqual(seen["attempt_api"]["result"]["percent"], "100.00")
        self.assertIn("100.00%", seen["verify"])


class SeparationOfDutiesTests(TrustTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.case = make_question(qtype=QuestionType.CASE, n=90)

    def essay_session(self, **kwargs):
        return make_session(
            blueprint=make_blueprint(
                rows=[(self.case.category, QuestionType.CASE, 1, 10)]
            ),
            people=[self.officer, self.legal_officer],
            **kwargs,
        )

    def submit_essay(self, session, user):
        attempt = services.attempt_start(session=session, user=user)
        slot = attempt.slots.get()
        letter = chr(ord("A") + slot.option_order["1"].index("A"))
        services.attempt_save(
            attempt_id=attempt.pk,
            user=user,
            seq=1,
            answers={str(slot.order): {"1": [letter], "2": "构成盗窃罪，理由如下"}},
        )
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=attempt)
        return MarkingTask.objects.get(slot=slot, round=1)

    def test_nobody_marks_their_own_attempt(self):
        session = self.essay_session()
        task = self.submit_essay(session, self.legal_officer)
        self.assertNotIn(task, services.marking_queue(marker=self.legal_officer))
        with self.assertRaisesMessage(PermissionDenied, "不能评阅自己的答卷"):
            services.marking_submit(
                task=task, marker=self.legal_officer, points={"2": [2, 2]}
            )
        self.assertTrue(
            AuditEntry.objects.filter(
                action="exams.mark_refused", actor=self.legal_officer
            ).exists()
        )
        task.refresh_from_db()
        self.assertIsNone(task.submitted_at)

    def test_a_running_co_candidate_neither_marks_nor_sees_the_rubric(self):
        session = self.essay_session()
        own = services.attempt_start(session=session, user=self.legal_officer)
        task = self.submit_essay(session, self.officer)
        self.assertNotIn(task, services.marking_queue(marker=self.legal_officer))
        # Marking is a privileged function: a verified second factor first.
        login_verified(self.client, self.legal_officer)
        url = reverse("exams:marking_task", args=[task.pk])
        # While their own attempt runs: no marking pages at all.
        self.assertEqual(self.client.get(url).status_code, 403)
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=own)
        # Submitted, but the session still runs: still not this paper.
        page = self.client.get(url)
        self.assertEqual(page.status_code, 404)
        self.assertNotIn(CANARY, page.content.decode())
        with self.assertRaises(PermissionDenied):
            services.marking_submit(
                task=task, marker=self.legal_officer, points={"2": [2, 2]}
            )
        # Once the session has closed, the legal officer may mark it.
        ExamSession.objects.filter(pk=session.pk).update(
            closes_at=timezone.now() - timedelta(minutes=1)
        )
        self.assertIn(task, services.marking_queue(marker=self.legal_officer))
        self.assertEqual(self.client.get(url).status_code, 200)
        services.marking_submit(
            task=task, marker=self.legal_officer, points={"2": [2, 2]}
        )

    def test_adjudication_goes_to_a_third_person(self):
        session = self.essay_session(second_marking=True, marking_margin=Decimal("0.5"))
        task = self.submit_essay(session, self.officer)
        services.marking_submit(task=task, marker=self.trainer, points={"2": [2, 2]})
        second = MarkingTask.objects.get(slot=task.slot, round=2)
        services.marking_submit(
            task=second, marker=self.legal_officer, points={"2": [0, 0]}
        )
        third = MarkingTask.objects.get(slot=task.slot, round=3)
        for earlier in (self.trainer, self.legal_officer):
            self.assertNotIn(third, services.marking_queue(marker=earlier))
            with self.assertRaises(ValidationError):
                services.marking_submit(
                    task=third, marker=earlier, points={"2": [1, 1]}
                )
        services.marking_submit(task=third, marker=self.leader, points={"2": [1, 1]})
        third.refresh_from_db()
        self.assertEqual(third.marker, self.leader)


class DeadlineTests(TrustTestCase):
    def test_only_the_save_in_flight_at_the_deadline_is_accepted_in_the_grace(self):
        session = self.make()
        attempt = services.attempt_start(session=session, user=self.officer)
        services.attempt_save(
            attempt_id=attempt.pk, user=self.officer, seq=1, answers={"1": ["A"]}
        )
        with time_machine.travel(attempt.deadline + timedelta(seconds=5), tick=False):
            # A jump in the sequence: not the save the page had pending.
            with self.assertRaisesMessage(services.ExamError, "不是在截止前作出的"):
                services.attempt_save(
                    attempt_id=attempt.pk,
                    user=self.officer,
                    seq=3,
                    answers={"2": ["A"]},
                )
            # The flush of the change made before the deadline.
            services.attempt_save(
                attempt_id=attempt.pk, user=self.officer, seq=2, answers={"2": ["B"]}
            )
            # Anything after it was made after the deadline.
            with self.assertRaisesMessage(services.ExamError, "不是在截止前作出的"):
                services.attempt_save(
                    attempt_id=attempt.pk,
                    user=self.officer,
                    seq=3,
                    answers={"3": ["A"]},
                )
        with (
            time_machine.travel(
                attempt.deadline + timedelta(seconds=services.grace_seconds() + 1),
                tick=False,
            ),
            self.assertRaises(services.ExamError),
        ):
            services.attempt_save(
                attempt_id=attempt.pk,
                user=self.officer,
                seq=4,
                answers={"3": ["A"]},
            )
        refused = AuditEntry.objects.filter(action="exams.late_save", result="denied")
        self.assertEqual(refused.count(), 3)
        self.assertEqual(
            AuditEntry.objects.filter(
                action="exams.late_save", result="success"
            ).count(),
            1,
        )
        responses = dict(
            attempt.slots.filter(order__in=[2, 3]).values_list("order", "response")
        )
        self.assertTrue(responses[2])  # saved (stored as keys, not display letters)
        self.assertIn(responses[3], (None, "", []))


class PracticeKeysTests(TrustTestCase):
    def test_practice_gives_no_key_for_a_question_of_a_running_exam(self):
        practice = self.make(
            kind=ExamSession.Kind.PRACTICE,
            issue_certificate=False,
            credit_hours=Decimal(0),
            title="网上练兵",
        )
        exam = self.make(
            review_score=ExamSession.ReviewWhen.AFTER_CLOSE,
            review_answers=ExamSession.ReviewWhen.AFTER_CLOSE,
        )
        attempt = services.attempt_start(session=practice, user=self.officer)
        services.attempt_save(
            attempt_id=attempt.pk, user=self.officer, seq=1, answers={"1": ["A"]}
        )
        self.client.force_login(self.officer)
        url = f"/api/v1/exams/attempts/{attempt.pk}/check"
        body = self.client.post(url, {"order": 1}, content_type="application/json")
        self.assertEqual(body.status_code, 200, body.content[:300])
        feedback = body.json()
        self.assertTrue(feedback["key_withheld"])
        self.assertEqual(feedback["answer"], "")
        self.assertNotIn(CANARY, body.content.decode())  # the analysis stays back
        # Once the exam has closed, the key is given.
        ExamSession.objects.filter(pk=exam.pk).update(
            closes_at=timezone.now() - timedelta(minutes=1)
        )
        again = self.client.post(url, {"order": 1}, content_type="application/json")
        self.assertNotIn("key_withheld", again.json())
        self.assertTrue(again.json()["answer"])
        self.assertIn(CANARY, again.content.decode())


class RevokePageTests(TrustTestCase):
    def test_a_trainer_revokes_a_certificate_from_the_session_page(self):
        session = self.make(created_by=self.trainer)
        self.sit(session, right=4)
        certificate = Certificate.objects.get(session=session, user=self.officer)
        from tests.accounts.helpers import login_verified

        login_verified(self.client, self.trainer)
        url = reverse("exams:session_manage", args=[session.pk])
        refused = self.client.post(
            url, {"action": "revoke_certificate", "code": certificate.code}
        )
        self.assertEqual(refused.status_code, 302)
        certificate.refresh_from_db()
        self.assertFalse(certificate.revoked)  # a reason is required
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                url,
                {
                    "action": "revoke_certificate",
                    "code": certificate.code.lower(),
                    "reason": "违纪",
                },
            )
        certificate.refresh_from_db()
        self.assertTrue(certificate.revoked)
        self.assertEqual(self.net_hours(), 0)
        self.assertTrue(
            AuditEntry.objects.filter(action="exams.certificate_revoke").exists()
        )


class OwnAttemptRunningTests(TrustTestCase):
    def test_a_trainer_sitting_an_exam_cannot_open_the_bank_or_the_marking(self):
        session = self.make(people=[self.trainer])
        from tests.accounts.helpers import login_verified

        login_verified(self.client, self.trainer)
        self.assertEqual(self.client.get(reverse("exams:manage")).status_code, 200)
        attempt = services.attempt_start(session=session, user=self.trainer)
        for name in ("exams:manage", "exams:marking_queue"):
            self.assertEqual(self.client.get(reverse(name)).status_code, 403, name)
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=attempt)
        self.assertEqual(self.client.get(reverse("exams:manage")).status_code, 200)
