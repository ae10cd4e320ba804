"""Trainer and marker pages: they render, act through the services, and stay closed to
officers; statistics of a sitting with the SVG distribution."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from exams import services
from exams.models import Attempt, ExamSession, MarkingTask, Question, QuestionType
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from .factories import make_blueprint, make_question, make_session, standard_bank


class ManagePagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.category = standard_bank(n_each=3)
        cls.blueprint = make_blueprint(
            rows=[
                (cls.category, QuestionType.SINGLE, 3, 10),
                (cls.category, QuestionType.TRUE_FALSE, 2, 5),
                (cls.category, QuestionType.CASE, 1, 20),
            ]
        )
        cls.candidates = [cls.officer, cls.officer_b] + [
            UserFactory(unit=cls.station_a2) for _ in range(4)
        ]
        cls.session = make_session(
            blueprint=cls.blueprint, people=cls.candidates, review_score="after_submit"
        )

    def sit_everyone(self):
        for i, user in enumerate(self.candidates):
            attempt = services.attempt_start(session=self.session, user=user)
            answers = {}
            for slot in attempt.slots.select_related("version__question"):
                if slot.version.question.qtype == QuestionType.CASE:
                    answers[str(slot.order)] = {"2": "理由" * (i + 1)}
                elif (slot.order + i) % 3:
                    answers[str(slot.order)] = [
                        chr(ord("A") + slot.option_order.index(slot.version.answer[0]))
                    ]
            services.attempt_save(
                attempt_id=attempt.pk, user=user, seq=1, answers=answers
            )
            with self.captureOnCommitCallbacks(execute=True):
                services.attempt_submit(attempt=attempt)
        for i, task in enumerate(MarkingTask.objects.all()):
            with self.captureOnCommitCallbacks(execute=True):
                services.marking_submit(
                    task=task, marker=self.trainer, points={"2": [i % 3, 1]}
                )

    def test_trainer_pages_render(self):
        self.login(self.trainer)
        question = Question.objects.first()
        for url in (
            reverse("exams:manage"),
            reverse("exams:question_list") + "?qtype=single",
            reverse("exams:question_edit", args=[question.pk]),
            reverse("exams:question_import"),
            reverse("exams:blueprint_new"),
            reverse("exams:blueprint_edit", args=[self.blueprint.pk]),
            reverse("exams:session_new"),
            reverse("exams:session_edit", args=[self.session.pk]),
            reverse("exams:session_manage", args=[self.session.pk]),
            reverse("exams:marking_queue"),
        ):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_officer_is_refused(self):
        self.login(self.officer)
        for url in (
            reverse("exams:session_manage", args=[self.session.pk]),
            reverse("exams:marking_queue"),
            reverse("exams:session_statistics", args=[self.session.pk]),
        ):
            self.assertNotEqual(self.client.get(url).status_code, 200, url)

    def test_signed_in_users_without_the_role_get_403_not_a_redirect_loop(self):
        """``user_passes_test`` sent them to the login page, which sent them back."""
        trainer_urls = [
            reverse("exams:manage"),
            reverse("exams:question_list"),
            reverse("exams:question_import"),
            reverse("exams:question_export"),
            reverse("exams:blueprint_new"),
            reverse("exams:session_new"),
            reverse("exams:session_manage", args=[self.session.pk]),
            reverse("exams:session_statistics", args=[self.session.pk]),
        ]
        marker_urls = [reverse("exams:marking_queue")]
        refused = {
            self.officer: trainer_urls + marker_urls,
            self.legal_officer: trainer_urls,
            self.leader: trainer_urls + marker_urls,
            self.unit_admin_a: trainer_urls + marker_urls,
            self.system_admin: marker_urls,
        }
        for user, urls in refused.items():
            self.login(user)
            for url in urls:
                response = self.client.get(
                    url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
                )
                self.assertEqual(response.status_code, 403, (user.username, url))
                self.assertEqual(response.redirect_chain, [], (user.username, url))
                self.assertContains(response, "无权", status_code=403)
        self.login(self.legal_officer)
        self.assertEqual(
            self.client.get(reverse("exams:marking_queue")).status_code, 200
        )
        self.login(self.system_admin)
        self.assertEqual(self.client.get(reverse("exams:manage")).status_code, 200)

    def test_anonymous_users_still_go_to_the_login_page(self):
        for url in (reverse("exams:manage"), reverse("exams:marking_queue")):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(
                response["Location"].startswith(
                    resolve_url(settings.LOGIN_URL) + "?next="
                ),
                url,
            )

    def test_statistics_after_the_sitting(self):
        self.sit_everyone()
        ExamSession.objects.filter(pk=self.session.pk).update(
            closes_at=timezone.now() - timedelta(minutes=1)
        )
        self.login(self.trainer)
        response = self.client.get(
            reverse("exams:session_statistics", args=[self.session.pk])
        )
        self.assertContains(response, "<svg")
        self.session.refresh_from_db()
        stats = self.session.statistics
        self.assertEqual(stats["test"]["n"], len(self.candidates))
        self.assertEqual(len(stats["totals"]), len(self.candidates))
        self.assertTrue(all(0 <= (i["facility"] or 0) <= 100 for i in stats["items"]))

    def test_regrade_preview_and_void_from_the_page(self):
        self.sit_everyone()
        self.login(self.trainer)
        url = reverse("exams:session_manage", args=[self.session.pk])
        response = self.client.post(url, {"action": "regrade_preview"})
        self.assertContains(response, "没有人的成绩会改变")
        question = (
            Attempt.objects.filter(session=self.session)
            .first()
            .slots.get(order=1)
            .version.question
        )
        response = self.client.post(
            url, {"action": "void", "question": question.pk, "mode": "full"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.session.adjustments.filter(question=question).exists())

    def test_session_form_creates_session_and_assignments(self):
        self.login(self.trainer)
        now = timezone.localtime()
        data = {
            "title": "新考试",
            "kind": "exam",
            "blueprint": self.blueprint.pk,
            "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "time_limit_minutes": 60,
            "attempts_allowed": 1,
            "grading_method": "highest",
            "pass_mark": "60",
            "multiple_scoring": "partial",
            "review_score": "after_close",
            "review_answers": "after_close",
            "credit_hours": "2",
            "marking_margin": "2",
            "audience_units": [self.station_a1.pk],
            "people": "officer_b1",
            "is_published": "on",
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("exams:session_new"), data)
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["form"].errors,
        )
        session = ExamSession.objects.get(title="新考试")
        self.assertEqual(
            set(services.session_audience(session)), {self.officer, self.officer_b}
        )
        self.assertEqual(session.attempts.count(), 2)  # papers prepared ahead
        self.assertEqual(session.credit_hours, Decimal(2))

    def test_overdue_sweep_is_scheduled(self):
        entry = settings.CELERY_BEAT_SCHEDULE["exams-sweep-overdue-attempts"]
        self.assertEqual(entry["task"], "exams.sweep_overdue_attempts")


class QuestionListPagerTests(BaseTestCase):
    """The question list uses the shared pager, which keeps the filters across pages."""

    def test_pager_keeps_the_filters(self):
        standard_bank(n_each=12)  # 72 questions, 12 of them single choice
        for n in range(45):
            make_question(qtype=QuestionType.SINGLE, n=100 + n)
        self.login(self.trainer)
        response = self.client.get(
            reverse("exams:question_list"), {"qtype": "single", "q": "题干"}
        )
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn('class="pager"', body)
        self.assertIn("?qtype=single&amp;q=%E9%A2%98%E5%B9%B2&amp;page=2", body)
        second = self.client.get(
            reverse("exams:question_list"), {"qtype": "single", "q": "题干", "page": 2}
        )
        self.assertEqual(len(second.context["page"].object_list), 57 - 50)
