"""Exam sessions under records' assignment rules: the audience includes whoever a rule
matches, and a transfer recomputes a person's required exams (on main a transfer left
exam assignments untouched: these tests fail there)."""

from __future__ import annotations

from accounts.models import Post, Role
from exams import services
from exams.models import QuestionType
from exams.selectors import audience_session_ids
from records import services as records_services
from records.models import Assignment
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


class ExamRuleTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        category = standard_bank(n_each=1)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 1, "100")])
        cls.session = make_session(
            blueprint=blueprint, units=[cls.branch_a], is_published=True
        )
        cls.session.audience_roles = [Role.LEGAL_OFFICER]
        cls.session.save()
        cls.duty, _ = Post.objects.get_or_create(name="值班民警")
        cls.duty_b = UserFactory(
            username="duty_b", unit=cls.station_b1, post=cls.duty, roles=[Role.OFFICER]
        )

    def required(self) -> set[str]:
        return set(
            Assignment.objects.filter(
                item__item_type="exam",
                item__item_id=str(self.session.pk),
                required=True,
            ).values_list("user__username", flat=True)
        )

    def test_a_post_rule_adds_people_to_the_audience(self):
        item = services.session_tracked_item(self.session)
        with self.captureOnCommitCallbacks(execute=True):
            records_services.assignment_rule_create(
                actor=self.trainer, item=item, post=self.duty
            )
        self.assertEqual(self.required(), {"legal_a", "duty_b"})
        self.assertIn(
            self.session.pk, audience_session_ids(self.duty_b, [self.session])
        )
        self.assertTrue(services.user_in_audience(self.session, self.duty_b))

    def test_a_transfer_recomputes_required_exams(self):
        services.session_sync_assignments(session=self.session)
        self.assertEqual(self.required(), {"legal_a"})
        with self.captureOnCommitCallbacks(execute=True):
            self.legal_officer.unit = self.station_b1
            self.legal_officer.save()
        self.assertEqual(self.required(), set())
        with self.captureOnCommitCallbacks(execute=True):
            self.legal_officer.unit = self.station_a2
            self.legal_officer.save()
        self.assertEqual(self.required(), {"legal_a"})
