"""Audience changes: prepared, unstarted papers of people no longer in the audience are
withdrawn (when the audience is edited, before papers are prepared, and when such a
person tries to start); started attempts are left alone and the change is audited; a
removed person cannot start."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment
from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, AttemptStatus, ExamOverride, QuestionType
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


class AudienceChangeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        category = standard_bank(n_each=2)
        cls.blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 5)])

    def setUp(self):
        # Branch A's officers by unit (with the officer role), officer_b by name.
        self.session = make_session(
            blueprint=self.blueprint,
            units=[self.branch_a],
            people=[self.officer_b],
            audience_roles=[Role.OFFICER],
        )
        # officer, legal_officer (also an officer) of branch A, and officer_b by name.
        self.assertEqual(services.session_prepare_attempts(session=self.session), 3)

    def attempt_of(self, user):
        return Attempt.objects.get(session=self.session, user=user, number=1)

    def test_edit_removing_a_named_person_withdraws_their_paper(self):
        self.login(self.trainer)
        data = {
            "title": self.session.title,
            "kind": "exam",
            "blueprint": self.blueprint.pk,
            "opens_at": timezone.localtime(self.session.opens_at).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "closes_at": timezone.localtime(self.session.closes_at).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "time_limit_minutes": 30,
            "attempts_allowed": 1,
            "grading_method": "highest",
            "pass_mark": "60",
            "multiple_scoring": "partial",
            "review_score": "after_close",
            "review_answers": "after_close",
            "credit_hours": "0",
            "marking_margin": "2",
            "audience_units": [self.branch_a.pk],
            "audience_roles": [Role.OFFICER],
            "people": "",
            "is_published": "on",
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("exams:session_edit", args=[self.session.pk]), data
            )
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["form"].errors,
        )
        self.assertEqual(
            self.attempt_of(self.officer_b).status, AttemptStatus.WITHDRAWN
        )
        self.assertEqual(self.attempt_of(self.officer).status, AttemptStatus.PREPARED)
        entry = AuditEntry.objects.get(action="exams.audience_sync")
        self.assertEqual(entry.actor_id, self.trainer.pk)
        self.assertEqual(
            entry.details["withdrawn"],
            [
                {
                    "attempt": self.attempt_of(self.officer_b).pk,
                    "user": self.officer_b.pk,
                }
            ],
        )
        # The removed person cannot start, with a clear message.
        self.login(self.officer_b)
        response = self.client.post(
            reverse("exams:session", args=[self.session.pk]), follow=True
        )
        self.assertContains(response, "您已不在本场考试的考生范围内。")
        self.assertNotContains(
            response, "已撤回"
        )  # the withdrawn paper is not listed as an attempt
        self.assertFalse(
            Attempt.objects.filter(
                session=self.session,
                user=self.officer_b,
                status=AttemptStatus.IN_PROGRESS,
            ).exists()
        )

    def test_person_whose_role_no_longer_matches_cannot_start(self):
        # The officer loses the officer role (e.g. promoted): not in the audience any more,
        # though a paper was prepared for them. No audience edit happened.
        RoleAssignment.objects.filter(user=self.officer, role=Role.OFFICER).delete()
        self.officer.refresh_from_db()
        availability = services.session_availability(
            session=self.session, user=self.officer
        )
        self.assertFalse(availability.can_start)
        self.assertEqual(availability.reason, "您已不在本场考试的考生范围内。")
        with self.assertRaises(services.ExamError):
            services.attempt_start(session=self.session, user=self.officer)
        self.assertEqual(self.attempt_of(self.officer).status, AttemptStatus.WITHDRAWN)

    def test_unit_move_withdraws_before_preparing_again(self):
        self.officer.unit = self.station_b1
        self.officer.save(update_fields=["unit"])
        services.session_prepare_attempts(session=self.session)
        self.assertEqual(self.attempt_of(self.officer).status, AttemptStatus.WITHDRAWN)
        # Moving back: a new paper is prepared and the withdrawn one does not count as used.
        self.officer.unit = self.station_a1
        self.officer.save(update_fields=["unit"])
        self.assertEqual(services.session_prepare_attempts(session=self.session), 1)
        availability = services.session_availability(
            session=self.session, user=self.officer
        )
        self.assertTrue(availability.can_start, availability.reason)
        self.assertEqual(availability.attempts_used, 0)
        attempt = services.attempt_start(session=self.session, user=self.officer)
        self.assertEqual(attempt.number, 2)

    def test_api_start_refuses_a_removed_person_clearly(self):
        self.session.audience_people.clear()
        self.login(self.officer_b)
        response = self.client.post(
            reverse("exams-api-start", args=[self.session.pk]),
            {},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json()["error"]["message"], "您已不在本场考试的考生范围内。"
        )
        self.assertEqual(
            self.attempt_of(self.officer_b).status, AttemptStatus.WITHDRAWN
        )

    def test_started_attempts_are_left_alone_and_audited(self):
        attempt = services.attempt_start(session=self.session, user=self.officer_b)
        self.session.audience_people.clear()
        synced = services.session_audience_sync(
            session=self.session, actor=self.trainer
        )
        self.assertEqual(synced.withdrawn, [])
        self.assertEqual(synced.started_outside, [attempt.pk])
        attempt.refresh_from_db()
        self.assertEqual(attempt.status, AttemptStatus.IN_PROGRESS)
        # They can still save and resume what they started.
        services.attempt_save(
            attempt_id=attempt.pk, user=self.officer_b, seq=1, answers={"1": ["A"]}
        )
        self.assertEqual(
            services.session_availability(
                session=self.session, user=self.officer_b
            ).resume,
            attempt,
        )
        entry = AuditEntry.objects.get(action="exams.audience_sync")
        self.assertEqual(
            entry.details["started_outside_audience"],
            [{"attempt": attempt.pk, "user": self.officer_b.pk}],
        )

    def test_an_override_keeps_a_person_in(self):
        self.session.audience_people.clear()
        ExamOverride.objects.create(
            session=self.session,
            user=self.officer_b,
            closes_at=timezone.now() + timedelta(days=2),
        )
        synced = services.session_audience_sync(session=self.session)
        self.assertEqual(synced.withdrawn, [])
        self.assertEqual(self.attempt_of(self.officer_b).status, AttemptStatus.PREPARED)
